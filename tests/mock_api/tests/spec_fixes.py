# Copyright (c) 2025, the ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Load the vendor OpenAPI document (verbatim; see openapi/README.md) and apply, in memory only, the two fixes of
its defects described in docs/emulator.md."""

import os

SPEC_PATH = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "openapi", "backupunits-openapi.yaml")
SPEC_SHA256 = "13fc41a1b3507a09443c45718fcd368a963c7cb1d6f8bae6c4455f193b326e73"


def load_fixed_spec():
    """(spec dict, list of one-line descriptions of the fixes applied in memory)."""
    import yaml

    with open(SPEC_PATH, "rb") as handle:
        spec = yaml.safe_load(handle)
    fixes = []
    for name in ("ResourceReference", "RequestStatus", "Request"):  # `type: object` beside allOf: [Type], a string enum
        type_property = spec["components"]["schemas"][name]["properties"]["type"]
        if type_property.get("type") == "object" and "allOf" in type_property:
            del type_property["type"]
            fixes.append("removed `type: object` from components.schemas.%s.properties.type (beside allOf: [Type], "
                         "a string enum)" % name)
    response = spec["paths"]["/backupunits/{backupunitId}"]["delete"]["responses"]["202"]
    if response.get("content") == {}:  # openapi-core reads it as "a body is required"; the real API sends none
        del response["content"]
        fixes.append("removed `content: {}` from DELETE /backupunits/{backupunitId} 202 (no body)")
    return spec, fixes
