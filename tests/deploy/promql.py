"""What the deploy tests need to know about PromQL: the metric names the code defines, and those an expression uses."""

import ast
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
ALERTS = REPO / "deploy" / "prometheus" / "alerts.yml"
DASHBOARD = REPO / "deploy" / "grafana" / "portcullis.json"

#: What prometheus-client's default collectors expose on Linux, and what Prometheus adds per target.
DEFAULT_COLLECTORS = {
    "process_cpu_seconds_total": set(),
    "process_open_fds": set(),
    "process_max_fds": set(),
    "process_virtual_memory_bytes": set(),
    "process_resident_memory_bytes": set(),
    "process_start_time_seconds": set(),
    "python_info": {"implementation", "major", "minor", "patchlevel", "version"},
    "python_gc_objects_collected_total": {"generation"},
    "python_gc_objects_uncollectable_total": {"generation"},
    "python_gc_collections_total": {"generation"},
    "up": set(),
}
TARGET_LABELS = {"job", "instance"}

_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "offset", "bool"}
_LABEL_CLAUSE = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)")


@dataclass(frozen=True)
class Metric:
    """A metric the code defines: its type, labels and the series names Prometheus sees."""

    name: str
    kind: str
    labels: frozenset[str]

    def series(self) -> dict[str, frozenset[str]]:
        base = self.name.removesuffix("_total") if self.kind == "Counter" else self.name
        if self.kind == "Counter":
            return {f"{base}_total": self.labels, f"{base}_created": self.labels}
        if self.kind == "Histogram":
            return {
                f"{base}_bucket": self.labels | {"le"},
                f"{base}_sum": self.labels,
                f"{base}_count": self.labels,
                f"{base}_created": self.labels,
            }
        if self.kind == "Summary":
            return {base: self.labels | {"quantile"}, f"{base}_sum": self.labels, f"{base}_count": self.labels}
        if self.kind == "Info":
            return {f"{base}_info": self.labels}
        return {base: self.labels}


def metric_files() -> list[Path]:
    return [
        REPO / "shared" / "portcullis" / "shared" / "metrics.py",
        *sorted(REPO.glob("services/*/portcullis/*/metrics.py")),
    ]


def code_metrics(files: list[Path] | None = None) -> list[Metric]:
    """Every `Counter(...)`, `Gauge(...)`, `Histogram(...)`, `Summary(...)`, `Info(...)` of the metric modules."""
    found = []
    for path in files or metric_files():
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            if node.func.id not in {"Counter", "Gauge", "Histogram", "Summary", "Info"}:
                continue
            name = ast.literal_eval(node.args[0])
            labels: tuple[str, ...] = ()
            if len(node.args) > 2:
                labels = tuple(ast.literal_eval(node.args[2]))
            for keyword in node.keywords:
                if keyword.arg == "labelnames":
                    labels = tuple(ast.literal_eval(keyword.value))
            found.append(Metric(name, node.func.id, frozenset(labels)))
    return found


def known_series() -> dict[str, frozenset[str]]:
    """Series name -> label names, for everything the services expose (target labels included)."""
    known: dict[str, frozenset[str]] = {}
    for metric in code_metrics():
        known.update(metric.series())
    known.update({name: frozenset(labels) for name, labels in DEFAULT_COLLECTORS.items()})
    return {name: labels | TARGET_LABELS for name, labels in known.items()}


def recording_rules() -> dict[str, str]:
    """Recording rule name -> its expression, from alerts.yml."""
    groups = yaml.safe_load(ALERTS.read_text())["groups"]
    return {rule["record"]: rule["expr"] for group in groups for rule in group["rules"] if "record" in rule}


def alert_expressions() -> dict[str, str]:
    groups = yaml.safe_load(ALERTS.read_text())["groups"]
    return {rule.get("alert") or rule["record"]: rule["expr"] for group in groups for rule in group["rules"]}


def dashboard() -> dict[str, Any]:
    return json.loads(DASHBOARD.read_text())


def dashboard_queries() -> dict[str, str]:
    """'panel title / refId' -> expression, for every query of the dashboard."""
    queries = {}
    for panel in dashboard()["panels"]:
        for target in panel.get("targets", []):
            queries[f"{panel['title']} / {target['refId']}"] = target["expr"]
    return queries


def _without_strings(expr: str) -> str:
    return re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'', '""', expr)


def metric_names(expr: str) -> set[str]:
    """The metric (and recording rule) names an expression selects."""
    text = _without_strings(expr)
    text = re.sub(r"\{[^}]*\}", " ", text)  # label matchers
    text = re.sub(r"\[[^\]]*\]", " ", text)  # ranges and subqueries
    text = _LABEL_CLAUSE.sub(" ", text)
    text = re.sub(r"\boffset\s+\w+", " ", text)
    names = set()
    for match in re.finditer(r"(?<![\w$.])([a-zA-Z_:][\w:]*)\s*(\()?", text):
        word, call = match.group(1), match.group(2)
        if call or word in _KEYWORDS or word.lower() in {"inf", "nan"}:
            continue
        names.add(word)
    return names


def label_names(expr: str) -> dict[str, set[str]]:
    """Label names an expression uses: per selected metric (matchers) and in by/on/... clauses ('' key)."""
    text = _without_strings(expr)
    used: dict[str, set[str]] = {}
    for match in re.finditer(r"([a-zA-Z_:][\w:]*)\s*\{([^}]*)\}", text):
        matchers = {m.group(1) for m in re.finditer(r"([a-zA-Z_]\w*)\s*(?:=~|!~|!=|=)", match.group(2))}
        used.setdefault(match.group(1), set()).update(matchers)
    for match in _LABEL_CLAUSE.finditer(text):
        used.setdefault("", set()).update(n.strip() for n in match.group(2).split(",") if n.strip())
    return used


def unknown_names(expr: str) -> tuple[set[str], set[str]]:
    """(metric names, label names) in an expression that nothing defines."""
    known = known_series()
    records = recording_rules()
    names = metric_names(expr)
    unknown_metrics = {n for n in names if n not in known and n not in records}
    # Labels a recording rule keeps are those of its own `by (...)`.
    record_labels = {name: set().union(*label_names(rule).values()) | TARGET_LABELS for name, rule in records.items()}
    available = (
        set().union(*(known.get(n, frozenset()) | record_labels.get(n, set()) for n in names)) if names else set()
    )
    unknown_labels = set()
    for metric, labels in label_names(expr).items():
        allowed = available if metric == "" else (known.get(metric) or record_labels.get(metric) or set())
        unknown_labels |= {label for label in labels if label not in allowed}
    return unknown_metrics, unknown_labels
