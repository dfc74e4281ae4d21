"""Print the pinned third-party requirements of one service image: portcullis-shared's dependencies, the extras of
it that the service asks for, and the service's own dependencies (the Dockerfiles install these in a layer of
their own, rebuilt only when a pyproject.toml or constraints.txt changes).

    python3 scripts/image-requirements.py shared/pyproject.toml services/scoring/pyproject.toml
"""

import re
import sys
import tomllib


def requirements(shared_pyproject: str, service_pyproject: str) -> list[str]:
    """The requirement lines of the service's image, local packages left out."""
    with open(shared_pyproject, "rb") as file:
        shared = tomllib.load(file)["project"]
    with open(service_pyproject, "rb") as file:
        service = tomllib.load(file)["project"]
    lines = list(shared["dependencies"])
    for dependency in service["dependencies"]:
        local = re.fullmatch(r"portcullis-shared(?:\[([a-z,\s]+)\])?", dependency)
        if local is None:
            lines.append(dependency)
            continue
        for extra in filter(None, (part.strip() for part in (local.group(1) or "").split(","))):
            lines.extend(shared["optional-dependencies"][extra])
    return sorted(set(lines))


if __name__ == "__main__":
    print("\n".join(requirements(sys.argv[1], sys.argv[2])))
