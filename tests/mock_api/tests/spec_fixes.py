# Copyright (c) 2025, the ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Load the vendor OpenAPI document and apply, in memory only, the two fixes of NOTES.md section 10."""

import os

# The verbatim vendor file; see openapi/README.md.
SPEC_PATH = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "openapi",
                         "backupunits-openapi.yaml")
SPEC_SHA256 = "13fc41a1b3507a09443c45718fcd368a963c7cb1d6f8bae6c4455f193b326e73"


def load_fixed_spec():
    """(spec dict, list of one-line descriptions of the fixes applied in memory)."""
    import yaml

    with open(SPEC_PATH, "rb") as handle:
        spec = yaml.safe_load(handle)
    fixes = []
    schemas = spec["components"]["schemas"]
    # Fix 1: `type: object` beside `allOf: [Type]` (a string enum) makes a correct "type" invalid.
    for name in ("ResourceReference", "RequestStatus", "Request"):
        type_property = schemas[name]["properties"]["type"]
        if type_property.get("type") == "object" and "allOf" in type_property:
            del type_property["type"]
            fixes.append("removed `type: object` from components.schemas.%s.properties.type "
                         "(it sits beside allOf: [Type], a string enum)" % name)
    # Fix 2: DELETE's 202 declares `content: {}`, which openapi-core reads as "a body is required";
    # the real API sends no body.
    response = spec["paths"]["/backupunits/{backupunitId}"]["delete"]["responses"]["202"]
    if response.get("content") == {}:
        del response["content"]
        fixes.append("removed `content: {}` from DELETE /backupunits/{backupunitId} 202 (no body)")
    return spec, fixes
