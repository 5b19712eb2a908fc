# -*- coding: utf-8 -*-
# Copyright (c) ionoscloud.backup contributors
# BSD 2-Clause License (see https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

"""HTTP client for the IONOS Cloud API v6.

It knows about sessions, authentication, retries, the API's error envelope, redaction of
secrets and waiting for asynchronous requests. It knows nothing about any resource: callers
pass paths and bodies and get parsed JSON back.

Every failure is raised as an IonosError subclass whose str() is one line without secrets.
"""

from __future__ import annotations

import base64
import email.utils
import json
import random
import re
import time
import warnings
from urllib.parse import quote, quote_plus, urlsplit

try:
    import requests
    from urllib3.exceptions import InsecureRequestWarning
    HAS_REQUESTS = True
except ImportError:
    requests = None
    InsecureRequestWarning = None
    HAS_REQUESTS = False


COLLECTION_VERSION = '3.0.0'
USER_AGENT = 'ansible-collection-ionoscloud.backup/' + COLLECTION_VERSION
DEFAULT_API_URL = 'https://api.ionos.com/cloudapi/v6'
REDACTED = '********'

# Methods the API applies idempotently: sending them twice has the effect of sending them once.
IDEMPOTENT_METHODS = frozenset(('GET', 'HEAD', 'PUT', 'DELETE'))
# 500 included: the API answers it for passing internal faults, and resending a GET/PUT/DELETE is harmless.
TRANSIENT_STATUSES = frozenset((500, 502, 503, 504))

# What to fix, for errors whose cause is known. Keyed by HTTP status.
HINTS = {
    400: 'the request was malformed; check the option values',
    401: 'check username/password or token (IONOS_USERNAME, IONOS_PASSWORD, IONOS_TOKEN); '
         'accounts with 2-factor authentication must use a token, the API refuses their password',
    402: 'the contract does not allow this (trial access?); check contract_number and the contract',
    403: 'the user lacks the privilege: creating backup units needs "Create backup unit", and changing '
         'or deleting a unit another user created needs a share of it with edit rights; '
         'or contract_number is not one of the user\'s contracts',
    422: 'the API rejected a value; fix the option named in the message',
    429: 'the API kept rate limiting; lower the request rate (fewer forks, throttle) and retry later',
}

_REQUEST_ID_RE = re.compile(r'/requests/([-A-Fa-f0-9]+)(?:/status)?/?$')
# The value after Basic/Bearer, also where a library printed it escaped ('\\n', '\\x00' in a repr).
_AUTH_HEADER_RE = re.compile(r'((?:Basic|Bearer)\s+)[A-Za-z0-9._~+/=\\-]+')
# What OpenSSL says when the server answers a TLS handshake in plain text (an http:// server).
_PLAIN_HTTP_SERVER_RE = re.compile(r'WRONG_VERSION_NUMBER|RECORD_LAYER_FAILURE|packet length too long', re.I)


def _secret_forms(secret):
    """Every form in which the whole of `secret` can appear in a message.

    The value itself, as repr() and unicode_escape print it, as JSON escapes it, and URL-encoded.
    Never a fragment: masking every word of a passphrase would garble messages (a password
    "my api key" would mask "api" in every URL), and control characters that could cut a
    credential in a message are refused before any request (_connection.credential_problem).
    """
    return {secret, repr(secret)[1:-1], secret.encode('unicode_escape').decode('ascii'),
            json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1],
            quote(secret, safe=''), quote_plus(secret, safe='')}


class IonosError(Exception):
    """A failure reported by the client. str() is one line without secrets.

    `transient` is true for a failure that outlasted the client's retries but may pass (network
    errors, 429 and 5xx answers to an idempotent request): a wait polls past a few of them.
    """

    kind = 'client'

    def __init__(self, message, status=None, code=None, request_id=None, hint=None, method=None, url=None,
                 transient=False, attempts=1):
        message = ' '.join(str(message).split())    # one line, whatever the API or a library said
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.request_id = request_id
        self.hint = hint
        self.method = method
        self.url = url
        self.transient = transient
        self.attempts = attempts    # how many times the request was sent before this answer

    def __str__(self):
        return self.message + ('; ' + self.hint if self.hint else '')

    def to_dict(self):
        """The structured form that modules return under the `error` key."""
        data = {'kind': self.kind, 'message': self.message}
        for key in ('status', 'code', 'request_id', 'hint', 'method', 'url'):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return data


class InputError(IonosError):
    """Input the module refuses before any request (or before any write): an option, a declared unit."""

    kind = 'input'


class ApiError(IonosError):
    """The API answered with an HTTP error status."""

    kind = 'api'

    def __str__(self):
        line = 'API error %s' % self.status
        if self.code:
            line += ' ' + str(self.code)
        line += ': ' + self.message
        if self.hint:
            line += ' (%s)' % self.hint
        return line


class TransportError(IonosError):
    """No usable answer: network, TLS or a body that is not JSON."""

    kind = 'transport'


class AnswerLost(IonosError):
    """A non-idempotent request (POST/PATCH) was sent but its answer was lost.

    It may or may not have been applied. The caller must read the resource back and decide;
    the client never resends such a request on its own. `cause` is the underlying error.
    """

    kind = 'answer_lost'

    def __init__(self, message, cause=None, **kwargs):
        super().__init__(message, **kwargs)
        self.cause = cause


class RequestFailed(IonosError):
    """An asynchronous request ended in FAILED."""

    kind = 'request_failed'


class WaitTimeout(IonosError):
    """Waiting for an asynchronous request or a resource state took longer than allowed."""

    kind = 'wait_timeout'


class RetryPolicy:
    """How often and how long to retry. All times in seconds."""

    def __init__(self, max_attempts=5, max_attempts_rate_limited=100, backoff_initial=0.5,
                 backoff_max=8.0, retry_after_max=60.0, total_max=120.0):
        self.max_attempts = max_attempts                            # for 500/502/503/504 and network errors
        # For 429: high, so that total_max ends a rate-limited wait rather than an attempt count
        # (under a shared limit a few early rejections must not fail a task with budget left).
        self.max_attempts_rate_limited = max_attempts_rate_limited
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self.retry_after_max = retry_after_max
        self.total_max = total_max                                  # sleep budget of one call


class PollPolicy:
    """Intervals between polls while waiting: short first, growing to a cap.

    A gentle factor keeps the lag between a request finishing and the client noticing it a small
    fraction of the request's time, at a few polls more per minute than doubling would send
    (docs/performance.md section 4 measures both).
    """

    def __init__(self, initial=0.25, factor=1.25, maximum=5.0, transient_failures=3):
        self.initial = initial
        self.factor = factor
        self.maximum = maximum
        # Polls in a row that may fail transiently (each after the client's own retries) before the
        # wait gives up: the change was accepted, and the next poll may well tell how it ended.
        self.transient_failures = transient_failures


class ApiResponse:
    """A successful answer: status, headers and the parsed JSON body (None when empty)."""

    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def location(self):
        return self.headers.get('Location') if self.headers else None


def api_base_url(url):
    """The API base URL to send requests to, from `url` in any form the vendor's tools accept.

    A host without a scheme gets https:// (the Go SDK adds it too, and Terraform's docs show
    IONOS_API_URL=api.ionos.com). A URL that names only a host gets /cloudapi/v6: the Go SDK and
    Terraform document IONOS_API_URL as the host alone and append the path, while the Python SDK
    uses the value as given, so one environment shared by both tools may hold either form.
    """
    url = (url or DEFAULT_API_URL).strip().rstrip('/')
    if '://' not in url:
        url = 'https://' + url
    if urlsplit(url).path in ('', '/'):
        url += urlsplit(DEFAULT_API_URL).path
    return url


def request_id_from_url(url):
    """The request id in a `.../requests/<id>/status` URL, or None."""
    if not url:
        return None
    match = _REQUEST_ID_RE.search(urlsplit(url).path)
    return match.group(1) if match else None


def parse_retry_after(value, now=None):
    """Seconds to wait from a Retry-After header (integer seconds or an HTTP date), or None."""
    if value is None:
        return None
    value = str(value).strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    now = time.time() if now is None else now
    return max(0.0, when.timestamp() - now)


def parse_error_envelope(text):
    """(code, message) from the API's `{httpStatus, messages: [{errorCode, message}]}` envelope.

    Returns (None, None) when the body is not such an envelope.
    """
    try:
        data = json.loads(text) if text else None
    except ValueError:
        return None, None
    if not isinstance(data, dict):
        return None, None
    messages = data.get('messages')
    if not isinstance(messages, list) or not messages:
        message = data.get('message')
        return None, (message if isinstance(message, str) else None)
    codes = []
    texts = []
    for item in messages:
        if not isinstance(item, dict):
            continue
        if item.get('errorCode') is not None and str(item['errorCode']) not in codes:
            codes.append(str(item['errorCode']))
        if item.get('message'):
            texts.append(str(item['message']))
    return (','.join(codes) or None), ('; '.join(texts) or None)


class ApiClient:
    """One session against one API endpoint with one set of credentials.

    `sleep`, `clock` and `jitter` are injectable so tests run without real waiting.
    """

    def __init__(self, api_url=DEFAULT_API_URL, username=None, password=None, token=None,
                 contract_number=None, validate_certs=True, ca_path=None, timeout=30,
                 retry=None, poll=None, session=None, sleep=None, clock=None, jitter=None):
        if not HAS_REQUESTS:
            raise TransportError('the Python library "requests" is required')
        self.base_url = api_base_url(api_url)
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.poll_policy = poll or PollPolicy()
        self.sleep = sleep or time.sleep
        self.clock = clock or time.monotonic
        self.jitter = jitter or random.random
        self.verify = (ca_path or True) if validate_certs else False
        if not validate_certs:
            # The module warns once in its own words; urllib3 would print a warning per request.
            warnings.filterwarnings('ignore', category=InsecureRequestWarning)
        self._secrets = set()
        for secret in (password, token):
            if secret:
                self._secrets.update(_secret_forms(secret))
        self.session = session if session is not None else requests.Session()
        self.session.headers['User-Agent'] = USER_AGENT
        self.session.headers['Accept'] = 'application/json'
        if token:
            self.session.headers['Authorization'] = 'Bearer ' + token
        elif username and password:
            basic = base64.b64encode(('%s:%s' % (username, password)).encode('utf-8')).decode('ascii')
            self._secrets.add(basic)
            self.session.headers['Authorization'] = 'Basic ' + basic
        if contract_number is not None:
            self.session.headers['X-Contract-Number'] = str(contract_number)
        # One pass, longest first: the whole value before its fragments, and no replacement is rescanned.
        self._secrets_re = re.compile('|'.join(
            re.escape(secret) for secret in sorted(self._secrets, key=lambda item: (-len(item), item)))) \
            if self._secrets else None

    # ---- redaction -------------------------------------------------------------------

    def redact(self, text):
        """`text` with every credential, each fragment of one, and anything after Basic/Bearer replaced."""
        text = str(text)
        if self._secrets_re is not None:
            text = self._secrets_re.sub(REDACTED, text)
        return _AUTH_HEADER_RE.sub(r'\1' + REDACTED, text)

    # ---- requests --------------------------------------------------------------------

    def url(self, path):
        if path.startswith('http://') or path.startswith('https://'):
            return path
        return self.base_url + '/' + path.lstrip('/')

    def get(self, path, depth=None):
        """GET and return the parsed JSON body."""
        return self.request('GET', path, depth=depth).body

    def post(self, path, body):
        return self.request('POST', path, body=body)

    def patch(self, path, body):
        return self.request('PATCH', path, body=body)

    def delete(self, path):
        return self.request('DELETE', path)

    def request(self, method, path, body=None, depth=None):
        """Send one API call, retrying what is safe to retry. Returns an ApiResponse.

        - 429 is retried for every method (the API did not apply it), honouring Retry-After.
        - 500/502/503/504 and network errors are retried for idempotent methods with exponential
          backoff and jitter.
        - For POST/PATCH, a network error, a read timeout or a 5xx raises AnswerLost.
        Retrying stops after the policy's attempts or its total sleep budget.
        """
        method = method.upper()
        url = self.url(path)
        query = {'pretty': 'false'}
        if depth is not None:
            query['depth'] = str(depth)
        idempotent = method in IDEMPOTENT_METHODS
        policy = self.retry
        slept = 0.0
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self.session.request(
                    method, url, params=query,
                    data=None if body is None else json.dumps(body),
                    headers={'Content-Type': 'application/json'} if body is not None else None,
                    timeout=self.timeout, verify=self.verify)
            except requests.exceptions.SSLError as exc:
                if _PLAIN_HTTP_SERVER_RE.search(str(exc)):
                    raise TransportError(
                        '%s %s: the server answered in plain HTTP, not TLS; if it serves plain HTTP (an '
                        'emulator on loopback, say), write http:// in api_url' % (method, self.redact(url)),
                        method=method, url=url)
                raise TransportError(
                    self.redact('TLS error talking to %s: %s. If the API uses a private CA, set ca_path '
                                '(IONOS_CA_PATH) to its PEM bundle; validate_certs: false disables the '
                                'check (insecure)' % (urlsplit(url).netloc, _reason(exc))),
                    method=method, url=url)
            except (requests.exceptions.ConnectionError, requests.exceptions.Timeout,
                    requests.exceptions.ChunkedEncodingError) as exc:     # the last: an answer cut off midway
                what = 'timed out after %ss' % self.timeout if isinstance(exc, requests.exceptions.Timeout) \
                    else 'connection failed: %s' % _reason(exc)
                message = self.redact('%s %s: %s' % (method, url, what))
                if not idempotent and not isinstance(exc, requests.exceptions.ConnectTimeout):
                    raise AnswerLost(message + ' (the answer was lost; it may have been applied)',
                                     cause=TransportError(message, method=method, url=url),
                                     method=method, url=url)
                delay = self.backoff(attempt)
                if attempt >= policy.max_attempts or slept + delay > policy.total_max:
                    raise TransportError(message + ' (gave up after %d attempts)' % attempt,
                                         method=method, url=url, transient=True)
                self.sleep(delay)
                slept += delay
                continue
            except requests.exceptions.RequestException as exc:
                raise TransportError(self.redact('%s %s failed: %s' % (method, url, _reason(exc))),
                                     method=method, url=url)

            status = response.status_code
            if status == 429:
                delay = parse_retry_after(response.headers.get('Retry-After'))
                if delay is None:
                    delay = self.backoff(attempt)
                else:
                    # 100-150 % of Retry-After: clients rejected together must not return together.
                    delay = min(delay, policy.retry_after_max) * (1.5 - self.jitter() / 2.0)
                if attempt < policy.max_attempts_rate_limited and slept + delay <= policy.total_max:
                    self.sleep(delay)
                    slept += delay
                    continue
                raise self._api_error(response, method, url, attempts=attempt, transient=True)
            if status in TRANSIENT_STATUSES and idempotent:
                delay = self.backoff(attempt)
                if attempt < policy.max_attempts and slept + delay <= policy.total_max:
                    self.sleep(delay)
                    slept += delay
                    continue
                raise self._api_error(response, method, url, attempts=attempt, transient=True)
            if status >= 500 and not idempotent:
                cause = self._api_error(response, method, url)
                raise AnswerLost(str(cause) + ' (it may have been applied)', cause=cause,
                                 status=status, code=cause.code, method=method, url=url)
            if status >= 400:
                raise self._api_error(response, method, url, attempts=attempt)
            return ApiResponse(status, response.headers, self._json(response, method, url))

    def backoff(self, attempt):
        """Exponential delay for the given attempt (1-based), with jitter in [50 %, 100 %]."""
        policy = self.retry
        delay = min(policy.backoff_max, policy.backoff_initial * (2 ** (attempt - 1)))
        return delay * (0.5 + self.jitter() / 2.0)

    def _json(self, response, method, url):
        text = response.text
        if not text or not text.strip():
            return None
        try:
            return json.loads(text)
        except ValueError:
            raise TransportError(
                self.redact('%s %s answered %s with a body that is not JSON: %s'
                            % (method, url, response.status_code, _snippet(text))),
                status=response.status_code, method=method, url=url)

    def _api_error(self, response, method, url, attempts=None, transient=False):
        code, message = parse_error_envelope(response.text)
        if message is None:
            message = (response.reason or 'HTTP %s' % response.status_code)
            if response.text and response.text.strip():
                message += ' (body: %s)' % _snippet(response.text)
        if attempts and attempts > 1:
            message += ' (after %d attempts)' % attempts
        return ApiError(self.redact(message), status=response.status_code, code=code,
                        hint=HINTS.get(response.status_code), method=method, url=url, transient=transient,
                        attempts=attempts or 1)

    # ---- waiting ---------------------------------------------------------------------

    def deadline(self, seconds):
        """A deadline `seconds` from now, for wait_for_request() and poll()."""
        return self.clock() + seconds

    def poll(self, check, deadline, what, request_id=None):
        """Call `check()` until it returns something other than None, and return that.

        Intervals grow from the poll policy's initial value to its maximum. Past the deadline
        raises WaitTimeout naming `what` (and the request id when known). A transient failure of
        `check()` counts as "not yet", until the policy's number of them in a row.
        """
        interval = self.poll_policy.initial
        failures = 0
        while True:
            try:
                value = check()
                failures = 0
            except IonosError as exc:
                failures += 1
                if not exc.transient or failures >= self.poll_policy.transient_failures:
                    raise
                value = None
            if value is not None:
                return value
            remaining = deadline - self.clock()
            if remaining <= 0:
                raise WaitTimeout('timed out waiting for %s%s' % (
                    what, ' (request %s)' % request_id if request_id else ''), request_id=request_id)
            self.sleep(min(interval, remaining))
            interval = min(interval * self.poll_policy.factor, self.poll_policy.maximum)

    def wait_for_request(self, location, deadline):
        """Wait for the asynchronous request a 202's Location header points at.

        Returns True when it is DONE, False when the API does not track it (the status URL
        answers 404, or there is no usable Location): the caller then polls the resource.
        Raises RequestFailed on FAILED, WaitTimeout past the deadline.
        """
        request_id = request_id_from_url(location)
        if request_id is None:
            return False
        # Built from our own base URL so credentials never go to a host named by a header.
        status_url = '%s/requests/%s/status' % (self.base_url, request_id)

        def check():
            try:
                body = self.get(status_url)
            except ApiError as exc:
                if exc.status == 404:
                    return 'untracked'
                raise
            metadata = (body or {}).get('metadata') or {}
            status = metadata.get('status')
            if status == 'DONE':
                return 'done'
            if status == 'FAILED':
                raise RequestFailed('request %s failed: %s' % (
                    request_id, self.redact(metadata.get('message') or 'no message')), request_id=request_id)
            return None

        return self.poll(check, deadline, 'the API to finish the request', request_id=request_id) == 'done'


def _reason(exc):
    """The innermost useful text of a requests/urllib3 exception, on one line."""
    reason = exc
    for _unused in range(5):
        inner = getattr(reason, 'reason', None) or (reason.args[0] if getattr(reason, 'args', None) else None)
        if inner is None or inner is reason or isinstance(inner, str):
            break
        reason = inner
    return ' '.join(str(reason).split()) or type(exc).__name__


def _snippet(text, limit=200):
    text = ' '.join(str(text).split())
    return text if len(text) <= limit else text[:limit] + '...'
