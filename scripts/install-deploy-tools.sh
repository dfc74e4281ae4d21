#!/usr/bin/env bash
# Installs what tests/deploy needs on a clean Debian 12 machine, as root; idempotent (does nothing twice):
#   promtool and prometheus   Debian's `prometheus` package (rule and config checks, rule unit tests, the
#                             end-to-end scrape test)
#   kustomize                 when neither `kustomize` nor `kubectl kustomize` is on the machine: built from
#                             the Go module proxy with the machine's Go (about four minutes on two cores)
#   /opt/portcullis-deploy-tools   a Python environment of its own (PORTCULLIS_DEPLOY_TOOLS) with the schemas:
#                             kubernetes-validate (Kubernetes JSON schemas) and cloudcoil's models of the KEDA and
#                             prometheus-operator CRDs. Kept out of .venv: cloudcoil brings a pytest plugin.
set -euo pipefail

KUSTOMIZE_VERSION="${KUSTOMIZE_VERSION:-v5.7.1}"   # v5.8 needs Go 1.27

if ! command -v promtool >/dev/null 2>&1 || ! command -v prometheus >/dev/null 2>&1; then
  echo "installing: prometheus (promtool)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends prometheus
  # The package enables a system service; the tests start their own Prometheus on a free port.
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet prometheus 2>/dev/null; then
    systemctl disable --now prometheus >/dev/null 2>&1 || true
  fi
fi

if command -v kustomize >/dev/null 2>&1; then
  :
elif command -v kubectl >/dev/null 2>&1 && kubectl kustomize --help >/dev/null 2>&1; then
  :
else
  if ! command -v go >/dev/null 2>&1; then
    echo "kustomize needs Go to build: install Go first" >&2
    exit 1
  fi
  echo "building: kustomize ${KUSTOMIZE_VERSION}"
  GOBIN=/usr/local/bin GOTOOLCHAIN=local go install "sigs.k8s.io/kustomize/kustomize/v5@${KUSTOMIZE_VERSION}"
fi

TOOLS="${PORTCULLIS_DEPLOY_TOOLS:-/opt/portcullis-deploy-tools}"
SCHEMA_PACKAGES=(kubernetes-validate==1.37.0 cloudcoil==0.6.0 cloudcoil-models-keda==2.16.1.0
                 cloudcoil-models-prometheus-operator==0.80.1.0 pyyaml==6.0.4 pydantic==2.14.3 httpx==0.28.1)
if ! "$TOOLS/bin/python" -c "import kubernetes_validate, cloudcoil.models.keda, cloudcoil.models.prometheus_operator" \
    >/dev/null 2>&1; then
  echo "installing: schema packages into $TOOLS"
  PYTHON="$(command -v python3.11 || command -v python3)"
  "$PYTHON" -m venv "$TOOLS"
  "$TOOLS/bin/pip" install --quiet --disable-pip-version-check "${SCHEMA_PACKAGES[@]}"
fi

promtool --version | head -1
if command -v kustomize >/dev/null 2>&1; then kustomize version; else kubectl version --client 2>/dev/null | grep -i kustomize; fi
