# -*- coding: utf-8 -*-
# Copyright (c) ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    """Connection options shared by every module of the collection."""

    DOCUMENTATION = r'''
options:
  api_url:
    description:
      - Base URL of the IONOS Cloud API v6.
      - A URL without a path, such as V(https://api.ionos.com), is completed with C(/cloudapi/v6), so
        the host-only form that the vendor's Go SDK and Terraform document for E(IONOS_API_URL) works
        too. A URL with any other path is used as given.
      - A URL without a scheme, such as V(api.ionos.com), gets C(https://), as the Go SDK adds it.
      - When the API answers 404 for the list of backup units, the message names the URL asked and
        the form O(api_url) should have.
      - If not set, the value of the E(IONOS_API_URL) environment variable is used.
    type: str
    default: https://api.ionos.com/cloudapi/v6
  username:
    description:
      - The IONOS Cloud user for basic authentication, used with O(password).
      - If not set, the value of the E(IONOS_USERNAME) environment variable is used.
      - Ignored when O(token) is set.
      - Bad characters are refused before any request (see the notes); a NUL is refused earlier, by
        ansible-core itself when the module starts (it logs every option that is not secret, and the
        system log refuses a NUL), in its own words.
    type: str
  password:
    description:
      - The password of O(username), the API user, for basic authentication; not a backup unit's password.
      - Ignored when O(token) is set; a task that sets it together with O(token) gets a warning.
      - If not set, the value of the E(IONOS_PASSWORD) environment variable is used.
    type: str
  token:
    description:
      - 'An IONOS Cloud API token, sent as C(Authorization: Bearer <token>).'
      - If not set, the value of the E(IONOS_TOKEN) environment variable is used.
      - Takes precedence over O(username) and O(password).
      - Either O(token), or O(username) and O(password) must be set; the module fails before
        sending any request otherwise.
    type: str
  contract_number:
    description:
      - The contract to act on, sent as the C(X-Contract-Number) header. Needed only by users
        with access to several contracts; without it the API uses the user's default contract.
      - When set, returned units carry their C(login) (V(<contract number>-<unit name>)).
      - If not set, the value of the E(IONOS_CONTRACT_NUMBER) environment variable is used.
    type: int
  validate_certs:
    description:
      - Whether to verify the API's TLS certificate.
      - Setting it to V(false) makes the module warn, since credentials could then be
        intercepted; prefer O(ca_path).
      - If not set, the value of the E(IONOS_VALIDATE_CERTS) environment variable is used.
    type: bool
    default: true
  ca_path:
    description:
      - Path of a PEM bundle of CA certificates used to verify the API's certificate, for an
        API behind a proxy or a private CA.
      - If not set, the value of the E(IONOS_CA_PATH) environment variable is used.
    type: path
  timeout:
    description:
      - Seconds to wait for each HTTP answer.
    type: int
    default: 30
notes:
  - A value of O(token), O(username) or O(password) with a control character (CR, LF, NUL, tab, any
    other C0 character or DEL), or with whitespace before or after it, is refused before any request,
    with a message that names the option and shows no part of the value. Surrounding whitespace is
    refused, not stripped.
  - Requests the API rate limits (HTTP 429) are retried after its C(Retry-After) time;
    idempotent requests (GET, PUT, DELETE) are also retried on HTTP 500, 502, 503, 504 and
    network errors, with exponential backoff, for at most two minutes of waiting per request.
  - A create or update whose answer is lost (network error, timeout, HTTP 5xx) is never sent
    blindly again; the module reads the backup unit back and only resends the request when
    the read proves it was not applied, so a retry can never create a second unit.
requirements:
  - requests
'''
