"""Write deploy/k8s/base/prometheus-rule.yaml from deploy/prometheus/alerts.yml (run after changing alerts.yml).

.venv/bin/python deploy/prometheus/render-prometheusrule.py
"""

from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
TARGET = HERE.parent / "k8s" / "base" / "prometheus-rule.yaml"
HEADER = (
    "# The rules of deploy/prometheus/alerts.yml for prometheus-operator (tests/deploy checks they are identical).\n"
    "# Do not edit: change alerts.yml and run deploy/prometheus/render-prometheusrule.py.\n"
)


def _block_strings(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|" if "\n" in data else None)


def main() -> None:
    groups = yaml.safe_load((HERE / "alerts.yml").read_text())["groups"]
    rule = {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {"name": "portcullis", "labels": {"app.kubernetes.io/name": "portcullis"}},
        "spec": {"groups": groups},
    }
    yaml.SafeDumper.add_representer(str, _block_strings)
    TARGET.write_text(HEADER + yaml.safe_dump(rule, sort_keys=False, width=200))


if __name__ == "__main__":
    main()
