"""The request example of a list refresh, shown in the OpenAPI document (and checked against its schema)."""

from fastapi.openapi.models import Example

#: One FollowTheMoney entity of the vendored OpenSanctions sample (data/opensanctions-ftm), for `opensanctions`.
REFRESH_EXAMPLES: dict[str, Example] = {
    "one_ftm_entity": Example(
        summary="A version of the opensanctions source with one entity",
        value={
            "files": {
                "entities.ftm.json": '{"id":"NK-2PacmNpiLUmoz4XD2mSt7A","caption":"IRGC","schema":"Organization",'
                '"properties":{"name":["IRGC","Iranian Revolutionary Guard Corps"],"country":["ir"]},'
                '"datasets":["eu_fsf"],"target":true}\n'
            },
            "origin": "https://data.opensanctions.org/datasets/latest/sanctions/entities.ftm.json",
            "action": {"lane": "red"},
        },
    ),
}
