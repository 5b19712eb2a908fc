# Copyright (c) ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The HTTP client with the session faked: retries, backoff, errors, redaction, waiting."""

from __future__ import annotations

import base64

import pytest

from ansible_collections.ionoscloud.backup.plugins.module_utils import _client
from ansible_collections.ionoscloud.backup.plugins.module_utils._client import (
    AnswerLost,
    ApiError,
    RequestFailed,
    RetryPolicy,
    TransportError,
    WaitTimeout,
)
from ansible_collections.ionoscloud.backup.tests.unit.plugins.fakes import Http

BASE = 'https://api.example.test/cloudapi/v6'
STATUS_URL = BASE + '/requests/0a1b2c3d-0000-4000-8000-00000000abcd/status'
REQUEST_ID = '0a1b2c3d-0000-4000-8000-00000000abcd'
BASIC = 'Basic ' + base64.b64encode(b'alice:s3cret-pw').decode()


def ok(http, body=None):
    return http.response(200, body if body is not None else {'items': []})


# ---- what every request carries -------------------------------------------------------


def test_get_sends_pretty_false_depth_user_agent_basic_auth_and_contract(make_client, http):
    client, session = make_client(ok(http), contract_number=31721234, timeout=7)
    assert client.get('/backupunits', depth=1) == {'items': []}
    call, = session.calls
    assert call.method == 'GET'
    assert call.url == BASE + '/backupunits'
    assert call.params == {'pretty': 'false', 'depth': '1'}
    assert call.headers['User-Agent'] == 'ansible-collection-ionoscloud.backup/' + _client.COLLECTION_VERSION
    assert call.headers['Accept'] == 'application/json'
    assert call.headers['Authorization'] == BASIC
    assert call.headers['X-Contract-Number'] == '31721234'
    assert call.timeout == 7
    assert call.verify is True


@pytest.mark.parametrize('options, authorization, verify', [
    (dict(token='tok-123'), 'Bearer tok-123', True),    # the token wins over username and password
    (dict(ca_path='/etc/ca.pem'), BASIC, '/etc/ca.pem'),
    (dict(validate_certs=False, ca_path='/etc/ca.pem'), BASIC, False),
    (dict(password=None), None, True),                  # a username alone authenticates nothing
])
def test_token_and_tls_options_reach_requests(make_client, http, options, authorization, verify):
    client, session = make_client(ok(http), **options)
    client.get('/x')
    assert (session.calls[0].headers.get('Authorization'), session.calls[0].verify) == (authorization, verify)


def test_writes_send_json_body_and_an_empty_answer_body_is_none(make_client, http):
    client, session = make_client(http.response(202, {'id': 'u1'}, {'Location': STATUS_URL}),
                                  http.response(202, None, {'Location': STATUS_URL}))
    response = client.post('/backupunits', {'properties': {'name': 'a'}})
    assert response.status == 202 and response.body == {'id': 'u1'} and response.location == STATUS_URL
    assert session.calls[0].body == {'properties': {'name': 'a'}}
    assert session.calls[0].headers['Content-Type'] == 'application/json'
    assert client.delete('/backupunits/u1').body is None


# ---- retries --------------------------------------------------------------------------


@pytest.mark.parametrize('status', [500, 502, 503, 504])
@pytest.mark.parametrize('method', ['GET', 'PUT', 'DELETE'])
def test_transient_statuses_are_retried_for_idempotent_methods(make_client, http, clock, status, method):
    client, session = make_client(http.error(status, str(status), 'busy'), http.error(status, str(status), 'busy'),
                                  ok(http))
    assert client.request(method, '/backupunits/u1').status == 200
    assert len(session.calls) == 3
    # exponential: 0.5 s then 1 s (jitter fixed at its maximum)
    assert clock.sleeps == [0.5, 1.0]


def test_backoff_grows_exponentially_up_to_its_cap_with_jitter(make_client):
    client, dummy = make_client(retry=RetryPolicy(backoff_initial=0.5, backoff_max=4.0))
    assert [client.backoff(n) for n in range(1, 7)] == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    client.jitter = lambda: 0.0
    assert client.backoff(3) == 1.0      # jitter scales into [50 %, 100 %] of the delay


@pytest.mark.parametrize('answer, error, message', [
    (Http.error(503, '503', 'Service Unavailable'), ApiError, 'API error 503 503: Service Unavailable (after 2 attempts)'),
    (Http.exceptions.ConnectionError('Connection refused'), TransportError,     # on one line
     'GET %s/backupunits: connection failed: Connection refused (gave up after 2 attempts)' % BASE),
], ids=['transient-status', 'connection-error'])
def test_retries_stop_after_max_attempts(make_client, answer, error, message):
    client, session = make_client(*[answer] * 10, retry=RetryPolicy(max_attempts=2))
    with pytest.raises(error) as caught:
        client.get('/backupunits')
    assert len(session.calls) == 2
    assert str(caught.value) == message
    assert (caught.value.method, caught.value.url, caught.value.transient) == ('GET', BASE + '/backupunits', True)


def test_total_retry_time_is_bounded(make_client, http, clock):
    client, session = make_client(*[http.error(503, '503', 'x')] * 50,
                                  retry=RetryPolicy(max_attempts=50, backoff_max=8.0, total_max=20.0))
    with pytest.raises(ApiError):
        client.get('/backupunits')
    assert sum(clock.sleeps) <= 20.0
    assert len(session.calls) < 10


@pytest.mark.parametrize('method, errors', [
    ('GET', [Http.exceptions.ConnectionError('reset by peer'), Http.exceptions.ReadTimeout('read timed out'),
             Http.exceptions.ChunkedEncodingError('Connection broken: IncompleteRead(86 bytes read, 3354 more expected)')]),
    ('POST', [Http.exceptions.ConnectTimeout('connect timed out')]),    # retried because nothing was sent
])
def test_connection_errors_are_retried_when_safe(make_client, method, errors):
    client, session = make_client(*errors + [Http.response(202, {'id': 'u1'})])
    assert client.request(method, '/backupunits', body={'properties': {}}).body == {'id': 'u1'}
    assert len(session.calls) == len(errors) + 1


@pytest.mark.parametrize('method, headers, jitter, sleeps', [
    ('POST', {'Retry-After': '3'}, 1.0, [3.0]),         # a 429 is retried for every method, after Retry-After
    ('GET', {'Retry-After': '3600'}, 1.0, [30.0]),      # capped by retry_after_max
    # Spread so rejected clients do not return together: at most 150 % of Retry-After, never less than 100 %.
    ('GET', {'Retry-After': '2'}, 0.0, [3.0]),
    ('GET', {}, 1.0, [0.5]),                            # without Retry-After: the backoff
    ('GET', {'Retry-After': 'Wed, 21 Oct 2015 07:28:00 GMT'}, 1.0, [0.0]),     # an HTTP date: that long, none when past
], ids=['post', 'capped', 'spread', 'absent', 'http-date'])
def test_429_is_retried_after_retry_after(make_client, http, clock, method, headers, jitter, sleeps):
    client, session = make_client(http.response(429, {}, headers), ok(http), retry=RetryPolicy(retry_after_max=30.0),
                                  jitter=lambda: jitter)
    assert client.request(method, '/backupunits', body={'properties': {}}).status == 200
    assert len(session.calls) == 2 and clock.sleeps == sleeps


def test_persistent_429_fails_with_a_hint(make_client, http, clock):
    client, session = make_client(*[http.response(429, {'httpStatus': 429, 'messages': [
        {'errorCode': '429', 'message': 'Too many requests'}]}, {'Retry-After': '30'})] * 20)
    with pytest.raises(ApiError) as caught:
        client.get('/backupunits')
    # The total sleep budget (120 s) ends the retries: 4 sleeps of 30 s, 5 attempts.
    assert clock.sleeps == [30.0] * 4
    assert len(session.calls) == 5
    assert str(caught.value).startswith('API error 429 429: Too many requests (after 5 attempts) (')
    assert 'lower the request rate' in str(caught.value)
    assert (caught.value.method, caught.value.url, caught.value.transient) == ('GET', BASE + '/backupunits', True)


@pytest.mark.parametrize('method', ['POST', 'PATCH'])
@pytest.mark.parametrize('answer, message', [
    (Http.error(status, str(status), 'oops'), 'API error %s %s: oops' % (status, status)) for status in (500, 502, 503, 504)] + [
    (Http.exceptions.ConnectionError('boom'), '{method} {url}: connection failed: boom'),
    (Http.exceptions.ReadTimeout('boom'), '{method} {url}: timed out after 30s'),
    (Http.exceptions.ChunkedEncodingError('Connection broken: IncompleteRead'), '{method} {url}: connection failed: Connection broken: IncompleteRead'),
], ids=['500', '502', '503', '504', 'ConnectionError', 'ReadTimeout', 'truncated-answer'])
def test_lost_answer_to_post_or_patch_is_never_resent(make_client, http, method, answer, message):
    client, session = make_client(answer, ok(http))
    with pytest.raises(AnswerLost) as caught:
        client.request(method, '/backupunits', body={'properties': {}})
    assert len(session.calls) == 1
    lost, url = caught.value, BASE + '/backupunits'
    message = message.format(method=method, url=url)
    status = dict(status=answer.status_code, code=str(answer.status_code)) if isinstance(answer, http.response) else {}
    assert lost.to_dict() == dict(status, kind='answer_lost', method=method, url=url, message=message + (
        ' (it may have been applied)' if status else ' (the answer was lost; it may have been applied)'))
    # The cause is the error as the client would have raised it for an idempotent request.
    assert (str(lost.cause), lost.cause.method, lost.cause.url, lost.cause.status) == (message, method, url, status.get('status'))


def test_client_errors_are_not_retried(make_client, http):
    client, session = make_client(http.error(422, '200', 'bad email'), ok(http))
    with pytest.raises(ApiError):
        client.post('/backupunits', {'properties': {}})
    assert len(session.calls) == 1


# ---- errors -----------------------------------------------------------------------------


def test_api_error_is_one_line_with_status_code_message_and_hint(make_client, http):
    client, dummy = make_client(http.error(422, '200', "[VDC-5-1921] The attribute 'email' is invalid"))
    with pytest.raises(ApiError) as caught:
        client.get('/backupunits')
    error = caught.value
    assert str(error) == ("API error 422 200: [VDC-5-1921] The attribute 'email' is invalid "
                          "(the API rejected a value; fix the option named in the message)")
    assert error.to_dict() == {'kind': 'api', 'status': 422, 'code': '200',
                               'message': "[VDC-5-1921] The attribute 'email' is invalid",
                               'hint': 'the API rejected a value; fix the option named in the message',
                               'method': 'GET', 'url': BASE + '/backupunits'}


@pytest.mark.parametrize('answer, message', [
    # joined, on one line, each code once; what is not a message is skipped
    (Http.response(422, {'httpStatus': 422, 'messages': ['junk', {'message': 'no code'}, {'errorCode': '100', 'message': 'one'},
                                                         {'errorCode': '101', 'message': 'two\nlines'}, {'errorCode': '100', 'message': 'three'}]}),
     'API error 422 100,101: no code; one; two lines; three (the API rejected a value; fix the option named in the message)'),
    (Http.response(401, {'message': 'token expired'}), 'API error 401: token expired (%s)' % _client.HINTS[401]),
    (Http.error(400, '100', 'bad'), 'API error 400 100: bad (the request was malformed; check the option values)'),
    (Http.response(404, text=' \n'), 'API error 404: Not Found'),
    (Http.error(401, '315', 'Unauthorized'),    # says what to fix
     'API error 401 315: Unauthorized (check username/password or token (IONOS_USERNAME, IONOS_PASSWORD, IONOS_TOKEN); '
     'accounts with 2-factor authentication must use a token, the API refuses their password)'),
    (Http.response(404, text='<html>\n<h1>Not Found</h1></html>'),
     'API error 404: Not Found (body: <html> <h1>Not Found</h1></html>)'),
    (Http.error(403, '316', 'Access denied'),       # names the API's privilege and the share a foreign unit needs
     'API error 403 316: Access denied (the user lacks the privilege: creating backup units needs "Create backup '
     'unit", and changing or deleting a unit another user created needs a share of it with edit rights; or '
     'contract_number is not one of the user\'s contracts)'),
], ids=['several-messages', '401', 'body-not-json', '403', 'message-without-messages', '400', 'blank-body'])
def test_api_error_message(make_client, answer, message):
    client, dummy = make_client(answer)
    with pytest.raises(ApiError) as caught:
        client.get('/nowhere')
    assert str(caught.value) == message


@pytest.mark.parametrize('answer, parts', [
    (Http.response(200, text='{"truncated'), ['GET %s/backupunits answered 200 with a body that is not JSON: {"truncated' % BASE]),
    # A TLS failure names ca_path and validate_certs, and is not retried.
    (Http.exceptions.SSLError('certificate verify failed: self-signed certificate'),
     ['TLS error talking to api.example.test', 'certificate verify failed', 'ca_path', 'validate_certs']),
    # https:// to a plain-HTTP server: says so, and does not send the user to ca_path.
    (Http.exceptions.SSLError("SSLError(1, '[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1000)')"),
     ['GET https://api.example.test/cloudapi/v6/backupunits: the server answered in plain HTTP, not TLS; '
      'if it serves plain HTTP (an emulator on loopback, say), write http:// in api_url']),
    (Http.exceptions.SSLError('[SSL: RECORD_LAYER_FAILURE] record layer failure'), ['answered in plain HTTP, not TLS']),
    (Http.exceptions.SSLError('[SSL] packet length too long (_ssl.c:2580)'), ['answered in plain HTTP, not TLS']),
    # A huge page that is not JSON (a proxy's, say) is quoted in 200 characters at most.
    (Http.response(200, text='<html>' + 'x' * 10 ** 6), ['answered 200 with a body that is not JSON: <html>xxx']),
], ids=['success-body-not-json', 'tls', 'tls-to-plain-http', 'tls-to-plain-http-openssl-3.2',
        'tls-to-plain-http-old-openssl', 'huge-body-not-json'])
def test_transport_error(make_client, answer, parts):
    client, session = make_client(answer)
    with pytest.raises(TransportError) as caught:
        client.get('/backupunits')
    assert len(session.calls) == 1
    assert [part for part in parts if part not in str(caught.value)] == []
    status = answer.status_code if isinstance(answer, Http.response) else None
    assert (caught.value.method, caught.value.url, caught.value.status) == ('GET', BASE + '/backupunits', status)
    assert 'ca_path' in parts or 'ca_path' not in str(caught.value)
    assert len(str(caught.value)) < 500 and '\n' not in str(caught.value)


# ---- redaction -------------------------------------------------------------------------


def test_redact_removes_passwords_tokens_and_authorization_values(make_client):
    client, dummy = make_client()
    basic = base64.b64encode(b'alice:s3cret-pw').decode()
    text = client.redact("pw=s3cret-pw hdr={'Authorization': 'Basic %s'} other Bearer abc.def" % basic)
    assert 's3cret-pw' not in text and basic not in text and 'abc.def' not in text
    client, dummy = make_client(token='tok-XYZ')
    assert 'tok-XYZ' not in client.redact('sent tok-XYZ')
    client, dummy = make_client(password=None)      # nothing to mask: the text as it was
    assert client.redact('plain text') == 'plain text'


def test_secrets_in_exceptions_and_api_messages_never_reach_the_error(make_client, http):
    basic = base64.b64encode(b'alice:s3cret-pw').decode()
    client, dummy = make_client(http.exceptions.InvalidHeader("Invalid header value 'Basic %s'" % basic))
    with pytest.raises(TransportError) as caught:
        client.get('/backupunits')
    assert basic not in str(caught.value) and basic not in repr(caught.value.to_dict())
    client, dummy = make_client(http.error(422, '200', 'password s3cret-pw is too weak'))
    with pytest.raises(ApiError) as caught:
        client.get('/backupunits')
    assert 's3cret-pw' not in str(caught.value) and 's3cret-pw' not in repr(caught.value.to_dict())


# ---- waiting ----------------------------------------------------------------------------


def status(http, state, message=None):
    return http.response(200, {'id': REQUEST_ID, 'type': 'request-status',
                               'metadata': {'status': state, 'message': message}})


def test_wait_polls_until_done_with_growing_intervals_at_a_status_url_built_from_the_api_url(make_client, http, clock):
    client, session = make_client(*([status(http, 'QUEUED')] + [status(http, 'RUNNING')] * 8 + [status(http, 'DONE')]))
    # Not from the header: the Location's host is not asked.
    location = 'https://elsewhere.example.test/v6/requests/%s/status' % REQUEST_ID
    assert client.wait_for_request(location, client.deadline(600)) is True
    assert len(session.calls) == 10
    assert clock.sleeps == pytest.approx([0.25, 0.3125, 0.390625, 0.48828125, 0.6103515625,
                                         0.762939453125, 0.95367431640625, 1.1920928955078125, 1.4901161193847656])
    assert all(call.url == STATUS_URL for call in session.calls)


def test_wait_fails_on_failed_naming_request_and_message(make_client, http):
    client, dummy = make_client(status(http, 'RUNNING'), status(http, 'FAILED', 'quota exceeded'))
    with pytest.raises(RequestFailed) as caught:
        client.wait_for_request(STATUS_URL, client.deadline(60))
    assert str(caught.value) == 'request %s failed: quota exceeded' % REQUEST_ID
    assert caught.value.to_dict()['request_id'] == REQUEST_ID


def test_wait_timeout_names_the_request(make_client, http, clock):
    client, session = make_client(*[status(http, 'RUNNING')] * 100)
    with pytest.raises(WaitTimeout) as caught:
        client.wait_for_request(STATUS_URL, client.deadline(12))
    assert REQUEST_ID in str(caught.value)
    assert sum(clock.sleeps) == pytest.approx(12.0)    # never sleeps past the deadline


def test_wait_returns_false_when_the_api_does_not_track_the_request_or_there_is_no_usable_location(make_client, http):
    client, session = make_client(http.error(404, '309', 'Resource does not exist'))
    assert client.wait_for_request(None, client.deadline(60)) is False
    assert client.wait_for_request(BASE + '/backupunits/abc', client.deadline(60)) is False
    assert session.calls == []
    assert client.wait_for_request(STATUS_URL, client.deadline(60)) is False
    assert len(session.calls) == 1


# One 503 is retried within the request; five use up its retries, and the wait goes on, since the next poll may tell.
@pytest.mark.parametrize('failures', [1, 5])
def test_status_polls_survive_transient_errors(make_client, http, failures):
    client, session = make_client(*[http.error(503, '503', 'x')] * failures + [status(http, 'DONE')])
    assert client.wait_for_request(STATUS_URL, client.deadline(600)) is True
    assert len(session.calls) == failures + 1


@pytest.mark.parametrize('answers, transient', [
    ([Http.error(503, '503', 'x')] * 15, True),     # three transient failures in a row, of five attempts each
    ([Http.error(401, '315', 'Unauthorized')], False),  # an error that will not pass: at once
], ids=['three-transient-failures', 'permanent-error'])
def test_a_wait_gives_up(make_client, answers, transient):
    client, session = make_client(*answers)
    with pytest.raises(ApiError) as caught:
        client.wait_for_request(STATUS_URL, client.deadline(600))
    assert caught.value.status == answers[0].status_code and caught.value.transient is transient
    assert len(session.calls) == len(answers)


def test_parse_retry_after():
    assert _client.parse_retry_after('7') == 7.0
    assert _client.parse_retry_after('-3') == 0.0
    assert _client.parse_retry_after('soon') is None
    assert _client.parse_retry_after(None) is None
    assert _client.parse_retry_after('Wed, 21 Oct 2015 07:28:00 GMT', now=1445412470.0) == 10.0


@pytest.mark.parametrize('api_url, base_url', [
    ('https://api.ionos.com', 'https://api.ionos.com/cloudapi/v6'),     # as the Go SDK and Terraform document it
    ('https://api.ionos.com/', 'https://api.ionos.com/cloudapi/v6'),
    ('https://api.ionos.com/cloudapi/v6/', 'https://api.ionos.com/cloudapi/v6'),
    ('http://127.0.0.1:8080/proxy/v6', 'http://127.0.0.1:8080/proxy/v6'),  # any other path as given
    ('api.ionos.com', 'https://api.ionos.com/cloudapi/v6'),             # no scheme, as Terraform's docs show it
    ('localhost:8443/cloudapi/v6', 'https://localhost:8443/cloudapi/v6'),
])
def test_api_url_in_every_form_the_vendor_tools_accept(make_client, http, api_url, base_url):
    client, session = make_client(http.response(200, {}), api_url=api_url)
    client.get('/backupunits')
    assert session.calls[0].url == base_url + '/backupunits'
