"""Run gateway: `python -m portcullis.gateway` (settings from PORTCULLIS_GATEWAY_* and PORTCULLIS_KAFKA_*)."""

from portcullis.gateway.app import create_app
from portcullis.gateway.settings import GatewaySettings
from portcullis.shared.serve import serve

if __name__ == "__main__":
    serve(create_app, GatewaySettings())
