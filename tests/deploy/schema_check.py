"""Validates rendered Kubernetes manifests against published schemas; run by the deploy tools' Python.

    /opt/portcullis-deploy-tools/bin/python tests/deploy/schema_check.py VERSION[,VERSION...] FILE...

Core kinds: the Kubernetes JSON schemas of kubernetes-validate, strict (an unknown field fails). KEDA and
prometheus-operator kinds: the pydantic models that cloudcoil generated from those projects' CRDs; a model
drops a field it does not know, so the round trip must give back the document unchanged. Prints one JSON object
per document and Kubernetes version: file, version, kind, name, status (valid, invalid, no-schema), error.
"""

import json
import sys
from typing import Any

import yaml
from kubernetes_validate import utils as kubernetes_schemas


def operator_models() -> dict[tuple[str, str], Any]:
    from cloudcoil.models.keda.v1alpha1 import ScaledObject
    from cloudcoil.models.prometheus_operator.v1 import PrometheusRule, ServiceMonitor

    return {
        ("keda.sh/v1alpha1", "ScaledObject"): ScaledObject,
        ("monitoring.coreos.com/v1", "ServiceMonitor"): ServiceMonitor,
        ("monitoring.coreos.com/v1", "PrometheusRule"): PrometheusRule,
    }


def check(doc: dict[str, Any], version: str, models: dict[tuple[str, str], Any]) -> tuple[str, str]:
    model = models.get((doc.get("apiVersion"), doc.get("kind")))
    if model is not None:
        try:
            parsed = model.model_validate(doc)
        except Exception as error:  # pydantic's ValidationError, whatever its version
            return "invalid", str(error)
        if parsed.model_dump(by_alias=True, exclude_unset=True, mode="json") != doc:
            return "invalid", "unknown or coerced fields (the model's round trip differs)"
        return "valid", ""
    try:
        kubernetes_schemas.validate(doc, version, strict=True)
    except kubernetes_schemas.SchemaNotFoundError:
        return "no-schema", ""
    except kubernetes_schemas.ValidationError as error:
        return "invalid", str(error).split("\n\n")[0]
    return "valid", ""


def main() -> None:
    versions, files = sys.argv[1].split(","), sys.argv[2:]
    models = operator_models()
    for path in files:
        with open(path) as handle:
            docs = [doc for doc in yaml.safe_load_all(handle) if doc]
        for version in versions:
            for doc in docs:
                status, error = check(doc, version, models)
                record = {
                    "file": path,
                    "version": version,
                    "kind": doc.get("kind"),
                    "name": doc.get("metadata", {}).get("name"),
                    "status": status,
                    "error": error,
                }
                print(json.dumps(record))


if __name__ == "__main__":
    main()
