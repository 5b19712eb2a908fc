# -*- coding: utf-8 -*-
# Copyright (c) ionoscloud.backup contributors
# BSD 2-Clause License (see https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

"""The backup unit resource: every behaviour the backupunit* modules share, in one place.

Modules construct BackupUnitResource(module) and call one method: converge_one(), converge(),
info() or sso_url(). Those end the module run (exit_json / fail_json).
"""

from __future__ import annotations

import collections
import copy
import re
from urllib.parse import quote

from ansible_collections.ionoscloud.backup.plugins.module_utils._client import (
    DEFAULT_API_URL,
    AnswerLost,
    ApiError,
    IonosError,
    RequestFailed,
    TransportError,
    WaitTimeout,
    request_id_from_url,
)
from ansible_collections.ionoscloud.backup.plugins.module_utils._common import (
    client_from_module,
    fail_with_error,
)

COLLECTION_PATH = '/backupunits'
CONTRACTS_PATH = '/contracts'
# depth=1 is the lowest depth at which list items carry their properties and metadata.
LIST_DEPTH = 1
# How often a POST/PATCH whose answer was lost may be sent in all. Each resend follows a read-back
# that proved the last one was not applied, so it can never duplicate a unit, and a pause that
# grows as the client's retry backoff does, within wait_timeout.
MAX_WRITE_ATTEMPTS = 5
# Shown in diffs instead of a password: the API never returns one, and it must never be printed.
PASSWORD_BEFORE = '<write-only: current value not readable>'
PASSWORD_AFTER = '<new password: not shown>'
# States that prove a unit is on its way out, and states of a unit with some request pending:
# perhaps a delete, perhaps not (BUSY does not say which; the emulator shows a deleting unit as BUSY).
DELETING_STATES = ('DESTROYING', 'TERMINATED')
FAILED_STATES = ('FAILED', 'FAILED_UPDATING', 'FAILED_SUSPENDED')
PENDING_STATES = ('BUSY', 'UPDATING', 'DEPLOYING')
# An address the API could deliver reports to: one @, a non-empty local part, a domain of two or
# more non-empty labels, no whitespace anywhere. Deliberately loose (plus tags, apostrophes and
# internationalised addresses pass): it catches the typos the API would otherwise accept and store.
EMAIL_RE = re.compile(r'[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)+')


def unit_properties(unit):
    return (unit or {}).get('properties') or {}


def unit_state(unit):
    return ((unit or {}).get('metadata') or {}).get('state')


def looks_stale(unit):
    """True for a unit answered without its properties.

    Terraform issue #641 (2024): after a write, the API's single GET kept answering BUSY without
    properties while the list already showed the unit as it was.
    """
    return isinstance(unit, dict) and not unit_properties(unit).get('name')


def settled(unit):
    """True for a unit that is AVAILABLE and shows its properties: nothing left to wait for."""
    return unit_state(unit) == 'AVAILABLE' and not looks_stale(unit)


def email_problem(email):
    """Why `email` is not a usable address (one line), or None when it is."""
    if EMAIL_RE.fullmatch(email):
        return None
    return 'email %r is not a valid email address (expected name@domain)' % email


def same_email(wanted, current):
    """Emails compare without regard to case, as the vendor's Terraform provider compares them
    (DiffSuppressFunc DiffToLower), so an address the API stores in another case is no change."""
    return (wanted or '').lower() == (current or '').lower()


def name_problem(name):
    """Why `name` cannot name a unit (one line), or None.

    The API documents no rules for names beyond "alphanumeric characters only", which it does not
    enforce (units named with inner spaces exist). A name becomes part of the unit's backup login,
    <contract number>-<name>, so whitespace around it would be a login nobody can type, and an
    empty name is always a mistake (an unset variable), never a wildcard.
    """
    if not name.strip():
        return 'name must not be empty'
    if name != name.strip():
        return 'name %r has whitespace before or after it; remove it (the name becomes part of the ' \
               'backup login <contract number>-<name>)' % name
    return None


def spec_problem(spec, password_option='password'):
    """Why the declared unit `spec` cannot be converged (one line), or None: checked before any request.

    Its name is checked apart, by name_problem(), since backupunit may name the unit by id alone.
    """
    if spec['state'] != 'present':      # only state=present sends an email or a password
        return None
    if spec.get('email') is not None:
        problem = email_problem(spec['email'])
        if problem:
            return problem
    if spec['update_password'] == 'always' and not spec.get('password'):
        return 'update_password is always but %s is missing or empty, so nothing would be set; give the new ' \
               'password, or use update_password: on_create' % password_option
    return None


class Plan:
    """What one unit needs, decided before any write: `action` is create, update, delete or None.

    After the write: `changed` (the API applied it), `answered` (the unit as the API last showed
    it), `location` (the request to follow), `error` (why it failed, in the list module).
    """

    def __init__(self, name, action, unit=None, body=None, diff=None, purged=False):
        self.name = name
        self.action = action
        self.unit = unit                # as it was found; None when it does not exist
        self.body = body                # the properties to POST or PATCH
        self.diff = diff
        self.purged = purged            # deleted because purge found it undeclared
        self.unit_id = unit.get('id') if unit else None
        self.answered = unit
        self.location = None
        self.changed = False
        self.error = None
        # Nothing to wait for when nothing is written, unless the unit is still busy from an earlier write.
        self.needs_wait = action is not None or (unit is not None and not settled(unit))

    def predicted(self, wait):
        """The unit as a real run would leave it, for check mode."""
        if self.action == 'create':
            return {'type': 'backupunit', 'properties': _comparable(self.body),
                    'metadata': {'state': 'AVAILABLE' if wait else 'BUSY'}}
        if self.action == 'update':
            return _with_properties(self.unit, self.body)
        return self.unit


def plan_unit(spec, unit, password_option='password', purged=False):
    """Decide what the declared unit `spec` needs, given `unit` as the API has it (or None).

    `spec` has name, state and, for present, email, password and update_password. A password is
    write-only in the API, so it is only sent to create a unit or with update_password=always.
    """
    name = spec['name']
    if spec['state'] == 'absent':
        if unit is None:
            return Plan(name, None)
        return Plan(name, 'delete', unit, diff=dict(before=_comparable(unit_properties(unit)), after={}),
                    purged=purged)
    if unit is None:
        if not spec.get('password'):
            raise IonosError('%s is required to create backup unit %r' % (password_option, name))
        wanted = _comparable(dict(name=name, email=spec.get('email')))
        return Plan(name, 'create', body=dict(wanted, password=spec['password']),
                    diff=dict(before={}, after=dict(wanted, password=PASSWORD_AFTER)))
    current = unit_properties(unit)
    changes = {}
    if spec.get('email') is not None and not same_email(spec['email'], current.get('email')):
        changes['email'] = spec['email']
    if spec['update_password'] == 'always' and spec.get('password'):     # spec_problem refuses it empty
        changes['password'] = spec['password']
    if not changes:
        return Plan(name, None, unit)
    before = _comparable(current)
    after = dict(before, **_comparable(changes))
    if 'password' in changes:
        before['password'] = PASSWORD_BEFORE
        after['password'] = PASSWORD_AFTER
    return Plan(name, 'update', unit, body=changes, diff=dict(before=before, after=after))


def public_unit(unit):
    """A copy of the unit that can be returned: never a password, even if the API sent one."""
    if unit is None:
        return None
    unit = copy.deepcopy(unit)
    if isinstance(unit.get('properties'), dict):
        unit['properties'].pop('password', None)
    return unit


class BackupUnitResource:
    """Find, compare, create, update and delete backup units, with check mode and diff."""

    def __init__(self, module, client=None):
        self.module = module
        self.client = client if client is not None else client_from_module(module)
        self.changed = False
        # The contract the API acts on, when known: it makes each returned unit's `login`.
        self.contract_number = module.params.get('contract_number')
        # Set once the single GET answered a stale unit (#641): later reads of the run use the list.
        self.single_get_is_stale = False

    # ---- reads (usable on their own, e.g. by info modules) ---------------------------

    def list(self):
        """Every backup unit of the contract, with properties and metadata (one request).

        The collection always exists, so a 404 means that api_url does not point at the API.
        """
        try:
            body = self.client.get(COLLECTION_PATH, depth=LIST_DEPTH) or {}
        except ApiError as exc:
            if exc.status != 404:
                raise
            raise ApiError('%s %s: %s' % (exc.method, exc.url, exc.message), status=404, code=exc.code,
                           method=exc.method, url=exc.url,
                           hint='no backup-unit API answers there: api_url must be the Cloud API v6 base URL, '
                                'like %s, or the host alone; got %s' % (DEFAULT_API_URL, self.client.base_url))
        return [item for item in body.get('items') or [] if isinstance(item, dict)]

    def read_contract_number(self):
        """The number of the contract the API acts on, from one GET /contracts (None if it names none).

        Without X-Contract-Number the API answers for the user's own contract; several contracts
        in the answer leave it open which one that is, so none is picked.
        """
        body = self.client.get(CONTRACTS_PATH, depth=LIST_DEPTH) or {}
        contracts = body.get('items') if isinstance(body.get('items'), list) else [body]
        numbers = {(contract.get('properties') or {}).get('contractNumber')
                   for contract in contracts if isinstance(contract, dict)} - {None}
        return numbers.pop() if len(numbers) == 1 else None

    def get(self, unit_id):
        """The unit with this id, or None when it does not exist (one request).

        When the single GET answers a stale unit (see looks_stale), the unit is read from the list,
        which the API keeps right, and so is every later get() of this run: the fault costs one
        request once, and each read after it still costs one.
        """
        if not self.single_get_is_stale:
            try:
                unit = self.client.get('%s/%s' % (COLLECTION_PATH, _path_part(unit_id)), depth=LIST_DEPTH)
            except ApiError as exc:
                if exc.status == 404:
                    return None
                raise
            if not looks_stale(unit):
                return unit
            self.single_get_is_stale = True
        return next((unit for unit in self.list() if unit.get('id') == unit_id), None)

    def find(self, name=None, unit_id=None):
        """The unit with this id, else with this name (one list request), or None.

        Fails when several units carry the name, since the name is the only key the module has.
        """
        if unit_id:
            return self.get(unit_id)
        matches = [unit for unit in self.list() if unit_properties(unit).get('name') == name]
        if len(matches) > 1:
            raise IonosError('%d backup units are named %r (ids %s); use the id to pick one' % (
                len(matches), name, ', '.join(sorted(str(unit.get('id')) for unit in matches))))
        return matches[0] if matches else None

    # ---- module entry points ----------------------------------------------------------

    def converge_one(self):
        """Exit with the unit named `name` (or with `id`) in its declared state (the backupunit module)."""
        self._run(self._converge_one)

    def converge(self):
        """Exit with the declared list `units` converged in one pass (the backupunits module).

        One list read; every create, update and delete sent without waiting in between; then
        one wait for all of them, one list request per poll. A unit whose write fails does not
        stop the others; the run then fails at the end, naming each failed unit and why.
        """
        self._run(self._converge_list)

    def info(self):
        """Exit with `backupunits`: the unit with `id`, the units named `name`, or every unit.

        Always one request: an unknown id is a 404 (no list first), a name filters the list.
        Unlike find(), several units with the name are all returned, not an error.
        """
        def run():
            params = self.module.params
            if params.get('id') is not None:
                unit = self.get(params['id'])
                units = [unit] if unit else []
            elif params.get('name') is not None:
                units = [unit for unit in self.list() if unit_properties(unit).get('name') == params['name']]
            else:
                units = self.list()
            if units and self.contract_number is None:
                self._learn_contract_number()
            # These dicts are fresh from the API and used only here, so the password is dropped in
            # place: a deep copy per unit would cost more than the rest of a 10,000-unit run.
            for unit in units:
                if isinstance(unit.get('properties'), dict):
                    unit['properties'].pop('password', None)
                self._add_login(unit)
            return dict(changed=False, backupunits=units)
        self._run(run)

    def sso_url(self):
        """Exit with `sso_url`: a single sign-on URL of the unit with `id` or `name`.

        By id it is one request (a 404 means no such unit); by name, the list and then the URL.
        The URL carries a login token: it goes only into the result, never into a message.
        """
        def run():
            params = self.module.params
            if params.get('id') is not None:
                unit_id, label = params['id'], 'with id %r' % params['id']
            else:
                unit = self.find(name=params['name'])
                if unit is None:
                    raise IonosError('backup unit %r not found' % params['name'])
                unit_id, label = unit['id'], repr(params['name'])
            try:
                body = self.client.get('%s/%s/ssourl' % (COLLECTION_PATH, _path_part(unit_id))) or {}
            except ApiError as exc:
                if exc.status == 404:
                    raise IonosError('backup unit %s not found' % label)
                raise
            if not isinstance(body, dict) or not body.get('ssoUrl'):
                raise IonosError('the API returned no ssoUrl for backup unit %s' % label)
            # Ansible masks every no_log value (password, token) wherever it occurs in a result, so a
            # credential that happens to occur inside the URL would silently break the returned URL.
            if any(secret and secret in body['ssoUrl'] for secret in self.module.no_log_values):
                self.module.warn('a no_log option value (a credential) occurs inside the SSO URL, so Ansible '
                                 'masks part of the returned sso_url and it will not work; use a longer credential')
            return dict(changed=False, sso_url=body['ssoUrl'])
        self._run(run)

    # ---- deciding and sending writes (one unit or a list) -----------------------------

    def _converge_one(self):
        params = self.module.params
        spec = dict(name=params.get('name'), email=params.get('email'), password=params.get('backupunit_password'),
                    update_password=params['update_password'], state=params['state'])
        label = 'backup unit %r' % spec['name'] if spec['name'] is not None else 'backup unit with id %r' % params['id']
        problem = spec_problem(spec, password_option='backupunit_password')
        if problem:
            raise IonosError('%s: %s' % (label, problem))
        if params.get('id') is None:
            unit = self.find(name=spec['name'])
        else:
            unit = self._by_id(params['id'], spec)
        plan = plan_unit(spec, unit, password_option='backupunit_password')
        if self.module.check_mode:
            self.changed = plan.action is not None
            return self._result(plan.predicted(params['wait']), plan.diff)
        if plan.action is not None:
            try:
                self._send(plan)
            finally:
                self.changed = plan.changed
        unit = plan.answered
        if params['wait'] and plan.needs_wait:
            unit = self._wait(plan)
        return self._result(plan.unit if plan.action == 'delete' else unit, plan.diff)

    def _by_id(self, unit_id, spec):
        """The unit with `unit_id` (None when absent and state=absent); names `spec` after it."""
        unit = self.get(unit_id)
        if unit is None:
            if spec['state'] == 'present':
                raise IonosError('no backup unit has id %r; to create a unit, give its name instead (the API '
                                 'assigns the id)' % unit_id)
            spec['name'] = unit_id      # for messages only: nothing will be sent
            return None
        found = unit_properties(unit).get('name')
        if spec['name'] is not None and spec['name'] != found:
            raise IonosError('backup unit %s is named %r, not %r; a unit cannot be renamed' % (unit_id, found, spec['name']))
        spec['name'] = found
        return unit

    def _converge_list(self):
        params = self.module.params
        specs = params['units']
        if params['purge'] and not any(spec['state'] == 'present' for spec in specs):
            raise IonosError(
                'refusing to purge: the list of units %s, so purge would delete every backup unit of the contract and all of '
                'their backups (an empty list is often a variable that did not load); nothing was changed. List '
                'the units to keep, or delete units by name with state: absent'
                % ('is empty' if not specs else 'declares no unit with state: present'))
        names = [spec['name'] for spec in specs]
        duplicates = sorted(name for name, count in collections.Counter(names).items() if count > 1)
        if duplicates:
            raise IonosError('these backup unit names are listed more than once: %s; each unit must appear once'
                             % ', '.join(duplicates))
        for index, spec in enumerate(specs):
            spec['update_password'] = spec.get('update_password') or params['update_password']
            problem = name_problem(spec['name']) or spec_problem(spec)
            if problem:
                raise IonosError('units[%d] %r: %s' % (index, spec['name'], problem))

        existing = self.list()
        by_name = {}
        for unit in existing:
            by_name.setdefault(unit_properties(unit).get('name'), []).append(unit)
        ambiguous = sorted(name for name in names if len(by_name.get(name, ())) > 1)
        if ambiguous:
            raise IonosError('several backup units are named %s; remove the extra ones before converging'
                             % ', '.join(repr(name) for name in ambiguous))
        # Every plan is made, so every input problem found, before the first write.
        plans = [plan_unit(spec, (by_name.get(spec['name']) or [None])[0], password_option='password')
                 for spec in specs]
        declared = set(names)
        undeclared = [unit for unit in existing if unit_properties(unit).get('name') not in declared]
        if params['purge']:
            plans += [plan_unit(dict(name=unit_properties(unit).get('name'), state='absent'), unit, purged=True)
                      for unit in undeclared]

        if self.module.check_mode:
            for plan in plans:
                plan.changed = plan.action is not None
        else:
            for plan in plans:
                if plan.action is not None:
                    self._send_capturing_errors(plan)
            if params['wait']:
                self._wait_for_all([plan for plan in plans if plan.error is None and plan.needs_wait],
                                   self.client.deadline(params['wait_timeout']))
        self.changed = any(plan.changed for plan in plans)

        summary = _summary(plans, [] if params['purge'] else undeclared, self.module.check_mode)
        result = dict(changed=self.changed, msg=summary,
                      backupunits=[self._plan_result(plan) for plan in plans],
                      undeclared=[self._public(unit) for unit in undeclared],
                      purged=[plan.name for plan in plans if plan.purged])
        if self.module._diff:
            result['diff'] = [dict(plan.diff, before_header=plan.name, after_header=plan.name)
                              for plan in plans if plan.diff is not None]
        failed = [plan for plan in plans if plan.error is not None]
        if failed:
            result['failed'] = True
            result['msg'] = '%d of %d backup units failed: %s. The others: %s' % (
                len(failed), len(plans), '; '.join('%r: %s' % (plan.name, plan.error) for plan in failed), summary)
        return result

    def _plan_result(self, plan):
        if self.module.check_mode:
            unit = plan.predicted(self.module.params['wait'])
        else:
            unit = plan.unit if plan.action == 'delete' else plan.answered
        outcome = dict(name=plan.name, action=plan.action or 'none', changed=plan.changed, purged=plan.purged,
                       backupunit=None if plan.action == 'delete' and not self.module.check_mode else self._public(unit))
        if plan.error is not None:
            outcome['failed'] = True
            outcome['msg'] = plan.error
        return outcome

    def _send_capturing_errors(self, plan):
        try:
            self._send(plan)
        except IonosError as exc:
            plan.error = str(exc)
        self.changed = self.changed or plan.changed

    def _send(self, plan):
        """Send the plan's write, never twice for one applied change; sets plan.changed and what to wait for."""
        if plan.action == 'create':
            self._send_create(plan)
        elif plan.action == 'update':
            self._send_update(plan)
        else:
            self._send_delete(plan)

    def _pause_before_resend(self, attempt, lost, deadline):
        """Pause before sending a write again (its answer was lost, and it proved not applied): as long as
        the client's retry backoff after `attempt` sends, or raise the loss when that would pass `deadline`."""
        if attempt == MAX_WRITE_ATTEMPTS:
            raise lost.cause or lost
        delay = self.client.backoff(attempt)
        if self.client.clock() + delay > deadline:
            raise lost.cause or lost
        self.client.sleep(delay)

    def _send_create(self, plan):
        deadline = self.client.deadline(self.module.params['wait_timeout'])
        for attempt in range(1, MAX_WRITE_ATTEMPTS + 1):
            try:
                response = self.client.post(COLLECTION_PATH, {'properties': plan.body})
                plan.location, unit = response.location, response.body
                break
            except AnswerLost as lost:
                # Read back by name: found means the POST applied and must not be sent again.
                unit = self.find(name=plan.name)
                if unit is not None:
                    break
                self._pause_before_resend(attempt, lost, deadline)
        plan.changed = True     # from here on a failure still reports the change made
        if not isinstance(unit, dict) or not unit.get('id'):
            raise IonosError('the API accepted the new backup unit %r but returned no id' % plan.name)
        plan.unit_id, plan.answered = unit['id'], unit

    def _send_update(self, plan):
        unit, changes = plan.unit, plan.body
        path = '%s/%s' % (COLLECTION_PATH, _path_part(unit['id']))
        response = None
        deadline = self.client.deadline(self.module.params['wait_timeout'])
        for attempt in range(1, MAX_WRITE_ATTEMPTS + 1):
            try:
                # Only what changes: the name is immutable, readOnly in today's PATCH schema
                # (BackupUnitPropertiesPut), and no vendor client sends it on update (ionosctl's
                # `backupunit update`, Terraform's resource_backup_unit.go, crossplane's provider).
                response = self.client.patch(path, changes)
                break
            except AnswerLost as lost:
                # Read back: a new etag (or a unit now busy) proves the PATCH applied.
                now = self.get(unit['id'])
                if now is None:
                    raise IonosError('backup unit %r disappeared while it was being updated' % plan.name)
                if _applied_since(unit, now) or not _remaining_changes(now, changes):
                    break
                self._pause_before_resend(attempt, lost, deadline)
                unit, changes = now, _remaining_changes(now, changes)
        plan.changed = True
        plan.location = response.location if response is not None else None
        if response is not None and isinstance(response.body, dict):
            plan.answered = response.body
        else:
            plan.answered = _with_properties(unit, plan.body)

    def _send_delete(self, plan):
        unit_id = plan.unit_id
        try:
            plan.location = self.client.delete('%s/%s' % (COLLECTION_PATH, _path_part(unit_id))).location
        except ApiError as exc:
            plan.needs_wait = False
            if exc.status == 404 and exc.attempts == 1:
                return      # gone before our DELETE arrived: someone else deleted it, no change of ours
            if exc.status != 404:   # a 404 to a resent DELETE means an earlier one applied
                self._settle_failed_delete(plan, exc)
        except TransportError as exc:
            self._settle_failed_delete(plan, exc)
            plan.needs_wait = False
        plan.changed = True

    def _settle_failed_delete(self, plan, error):
        """Decide a DELETE that failed after the client's retries: return when the unit is gone
        (or, with wait=false, proven to be on its way out); raise `error` when it was not deleted.

        The first attempt may have applied with its answer lost, and the client's retry then gets
        the API's 422 "being deleted" (or a 5xx, or no answer). Only a read-back can tell, and no
        DELETE is sent again here. A unit that is merely BUSY may be running someone else's write,
        so it is polled, even with wait=false, until it is gone, proven deleting, or settles (then
        `error` stands). wait_timeout bounds that.
        """
        unit_id = plan.unit_id
        wait = self.module.params['wait']
        api_says_deleting = isinstance(error, ApiError) and 'being deleted' in error.message.lower()

        def check():
            try:
                now = self.get(unit_id)
            except IonosError:
                raise error     # the DELETE's own failure says more than the read-back's
            if now is None:
                return 'gone'
            state = unit_state(now)
            if state in DELETING_STATES or (api_says_deleting and state in PENDING_STATES):
                plan.changed = True     # a DELETE of ours (or someone's) applied: a later timeout reports it
                return None if wait else 'deleting'
            if state in PENDING_STATES:
                return None
            if state and state.startswith('FAILED'):
                raise IonosError('%s is in state %s after a DELETE that failed: %s' % (_label(plan), state, error))
            raise error

        what = '%s to be deleted' % _label(plan)
        if not api_says_deleting:   # else the error is the expected "being deleted", no news to the user
            what += ' (its DELETE failed: %s)' % error
        self.client.poll(check, self.client.deadline(self.module.params['wait_timeout']), what)

    # ---- helpers ---------------------------------------------------------------------

    def _wait(self, plan):
        """Wait for the plan's write to finish; return the unit as it is then (None when gone).

        A write the API answered with a settled unit (AVAILABLE, as today's API answers) needs no
        wait. Otherwise follows the request's status URL; when the API does not track it (404, or
        no Location), polls the unit until it is AVAILABLE, or gone for a delete. A timeout names
        the unit and the request either way: the request id is what IONOS support asks for.
        """
        gone = plan.action == 'delete'
        if not gone and settled(plan.answered):
            return plan.answered
        client = self.client
        deadline = client.deadline(self.module.params['wait_timeout'])
        try:
            if plan.location and client.wait_for_request(plan.location, deadline):
                return None if gone else self.get(plan.unit_id)
        except RequestFailed as exc:
            raise RequestFailed('%s: %s%s' % (_label(plan), exc.message, '' if gone else '. ' + NEXT_STEP_FAILED),
                                request_id=exc.request_id)

        def check():
            unit = self.get(plan.unit_id)
            if gone:
                return True if unit is None else None
            if unit is None:
                raise IonosError('%s disappeared while waiting for it' % _label(plan))
            if unit_state(unit) in FAILED_STATES:
                raise IonosError(_failed_message(plan, unit_state(unit)))
            return unit if unit_state(unit) == 'AVAILABLE' else None

        result = client.poll(check, deadline, '%s to %s' % (_label(plan), 'be deleted' if gone else 'become AVAILABLE'),
                             request_id=request_id_from_url(plan.location))
        return None if gone else result

    def _wait_for_all(self, plans, deadline):
        """Wait until the unit of every plan has settled: AVAILABLE, or gone after a delete.

        One list request per poll, whatever the number of units, on the client's poll schedule;
        the list is also what the API keeps right when its single GET is stale (#641). A unit
        that fails, or is still pending at `deadline`, gets its error and holds up no other.
        """
        pending = {plan.unit_id: plan for plan in plans if plan.action == 'delete' or not settled(plan.answered)}

        def check():
            units = {unit.get('id'): unit for unit in self.list()}
            for unit_id, plan in list(pending.items()):
                unit = units.get(unit_id)
                if plan.action == 'delete':
                    done = unit is None
                elif unit is None:
                    plan.error = '%s disappeared while waiting for it' % _label(plan)
                    done = True
                elif unit_state(unit) in FAILED_STATES:
                    plan.error = _failed_message(plan, unit_state(unit))
                    done = True
                else:
                    plan.answered = unit
                    done = settled(unit)
                if done:
                    del pending[unit_id]
            return True if not pending else None

        if not pending:
            return
        try:
            self.client.poll(check, deadline, 'backup units to settle')
        except WaitTimeout:
            for plan in pending.values():
                plan.error = 'timed out after %ss (wait_timeout) waiting for it to %s' % (
                    self.module.params['wait_timeout'], 'be deleted' if plan.action == 'delete' else 'become AVAILABLE')

    def _public(self, unit):
        """The unit as modules return it: no password, and its login when that is known."""
        unit = public_unit(unit)
        if unit is not None:
            self._add_login(unit)
        return unit

    def _learn_contract_number(self):
        """Set contract_number from the API, so that units carry their login without the user knowing it.

        The login is only a convenience, so a contract the API will not show costs a warning, not the run.
        """
        try:
            self.contract_number = self.read_contract_number()
        except IonosError as exc:
            self.module.warn('units are returned without login: reading the contract number (GET %s) failed: %s; '
                             'set contract_number to have it' % (CONTRACTS_PATH, exc))

    def _add_login(self, unit):
        """Add `login`, `<contract number>-<unit name>`, the name the backup console and agents log in
        with, when the contract number is known."""
        name = unit_properties(unit).get('name')
        if self.contract_number is not None and name:
            unit['login'] = '%s-%s' % (self.contract_number, name)

    def _result(self, unit, diff):
        result = dict(changed=self.changed, backupunit=self._public(unit))
        if diff is not None and self.module._diff:
            result['diff'] = diff
        return result

    def _check_options(self):
        """Reject option values the API would reject anyway, before any request.

        An empty name or id (an unset host variable, say) is a mistake, never a wildcard.
        """
        params = self.module.params
        if params.get('name') is not None and name_problem(params['name']):
            raise IonosError(name_problem(params['name']))
        if params.get('id') is not None and not params['id'].strip():
            raise IonosError('id must not be empty')
        if params.get('wait_timeout') is not None and params['wait_timeout'] < 0:
            raise IonosError('wait_timeout must be 0 or more seconds, got %s' % params['wait_timeout'])

    def _run(self, action):
        try:
            self._check_options()
            result = action()
        except IonosError as exc:
            fail_with_error(self.module, exc, changed=self.changed)
        if result.pop('failed', False):
            self.module.fail_json(**result)
        self.module.exit_json(**result)


def _summary(plans, left_alone, check_mode):
    """One line naming what the run did (or, in check mode, would do) to which unit.

    Unchanged units are counted, not named: a long list would drown the changes.
    """
    done = collections.OrderedDict()
    unchanged = 0
    for plan in plans:
        if plan.error is not None:
            continue
        if plan.action is None or not plan.changed:
            unchanged += 1
            continue
        verb = 'would %s' % plan.action if check_mode else dict(create='created', update='updated',
                                                                 delete='deleted')[plan.action]
        if plan.purged:
            verb += ' (undeclared, purged)'
        done.setdefault(verb, []).append(plan.name)
    parts = ['%s: %s' % (verb, ', '.join(names)) for verb, names in done.items()]
    if unchanged or not parts:
        parts.append('%d unchanged' % unchanged)
    if left_alone:
        parts.append('not declared, left alone: %s' % ', '.join(
            str(unit_properties(unit).get('name')) for unit in left_alone))
    return '; '.join(parts)


# What a user can do about a unit in a FAILED state: the API says no more than the state.
NEXT_STEP_FAILED = ('if the unit holds no backups you need, delete it (state: absent) and create it again; '
                    'otherwise ask IONOS support about it, quoting its id')


def _label(plan):
    """The unit of `plan` as messages name it: its name, and its id once it has one."""
    return 'backup unit %r%s' % (plan.name, ' (id %s)' % plan.unit_id if plan.unit_id else '')


def _failed_message(plan, state):
    return '%s is in state %s, and the API gives no reason; %s' % (_label(plan), state, NEXT_STEP_FAILED)


def _path_part(value):
    """An id as a URL path segment: ids are UUIDs; anything else is quoted, never a path."""
    return quote(str(value), safe='')


def _comparable(properties):
    """The properties a diff shows: name and email (never a password)."""
    return {key: properties.get(key) for key in ('name', 'email') if properties.get(key) is not None}


def _applied_since(before, now):
    """True when `now` shows a modification after `before` (new etag, or a pending request)."""
    old = (before.get('metadata') or {})
    new = (now.get('metadata') or {})
    if old.get('etag') and new.get('etag') and old['etag'] != new['etag']:
        return True
    if old.get('lastModifiedDate') and new.get('lastModifiedDate') \
            and old['lastModifiedDate'] != new['lastModifiedDate']:
        return True
    busy = ('BUSY', 'UPDATING')
    return new.get('state') in busy and old.get('state') not in busy


def _with_properties(unit, changes):
    """A copy of `unit` showing `changes` (never a password)."""
    unit = copy.deepcopy(unit)
    unit.setdefault('properties', {}).update(_comparable(changes))
    return unit


def _remaining_changes(now, changes):
    """The changes `now` does not show yet. A password can never be seen, so it always remains."""
    current = unit_properties(now)
    return {key: value for key, value in changes.items() if key == 'password' or current.get(key) != value}
