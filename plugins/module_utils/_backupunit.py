# -*- coding: utf-8 -*-
# Copyright (c) ionoscloud.backup contributors
# BSD 2-Clause License (see https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

"""The backup unit resource: every behaviour the backupunit* modules share, in one place.

Modules construct BackupUnitResource(module) and call one method: present(), absent(),
info() or sso_url(). Those end the module run (exit_json / fail_json).
"""

from __future__ import annotations

import collections
import copy
import re
from urllib.parse import quote

from ansible_collections.ionoscloud.backup.plugins.module_utils._client import (
    AnswerLost,
    ApiError,
    IonosError,
    TransportError,
    WaitTimeout,
    request_id_from_url,
)
from ansible_collections.ionoscloud.backup.plugins.module_utils._common import (
    client_from_module,
    fail_with_error,
)

COLLECTION_PATH = '/backupunits'
# depth=1 is the lowest depth at which list items carry their properties and metadata.
LIST_DEPTH = 1
# How often a POST/PATCH whose answer was lost may be sent in all, each resend after a read-back
# proved the last one was not applied, so it can never duplicate a unit. Five keeps a task alive
# through a burst of faults (about one lost answer in ten under the chaos suite's 15 % faults).
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
    if spec.get('email') is not None and spec['email'] != current.get('email'):
        changes['email'] = spec['email']
    if spec['update_password'] == 'always' and spec.get('password'):
        changes['password'] = spec['password']
    if not changes:
        return Plan(name, None, unit)
    before = _comparable(current)
    after = dict(before, **_comparable(changes))
    if 'password' in changes:
        before['password'] = PASSWORD_BEFORE
        after['password'] = PASSWORD_AFTER
    return Plan(name, 'update', unit, body=changes, diff=dict(before=before, after=after))


def _check_email(spec):
    """Reject an email the API would store although no report could reach it, before any request."""
    if spec['state'] == 'present' and spec.get('email') is not None:     # only state=present sends it
        problem = email_problem(spec['email'])
        if problem:
            raise IonosError(problem)


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
        # Set once the single GET answered a stale unit (#641): later reads of the run use the list.
        self.single_get_is_stale = False

    # ---- reads (usable on their own, e.g. by info modules) ---------------------------

    def list(self):
        """Every backup unit of the contract, with properties and metadata (one request)."""
        body = self.client.get(COLLECTION_PATH, depth=LIST_DEPTH) or {}
        return [item for item in body.get('items') or [] if isinstance(item, dict)]

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

    def present(self):
        """Create the unit named `name`, or bring its email (and maybe password) in line."""
        self._run(self._converge_one)

    def absent(self):
        """Delete the unit named `name` if it exists."""
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
        spec = dict(name=params['name'], email=params.get('email'), password=params.get('backupunit_password'),
                    update_password=params['update_password'], state=params['state'])
        _check_email(spec)
        plan = plan_unit(spec, self.find(name=spec['name']), password_option='backupunit_password')
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
            unit = self._wait(plan.unit_id, plan.location, gone=plan.action == 'delete', answered=plan.answered)
        return self._result(plan.unit if plan.action == 'delete' else unit, plan.diff)

    def _converge_list(self):
        params = self.module.params
        specs = params['units']
        names = [spec['name'] for spec in specs]
        duplicates = sorted(name for name, count in collections.Counter(names).items() if count > 1)
        if duplicates:
            raise IonosError('these backup unit names are listed more than once: %s; each unit must appear once'
                             % ', '.join(duplicates))
        for spec in specs:
            spec['update_password'] = spec.get('update_password') or params['update_password']
            if not spec['name'].strip():
                raise IonosError('units: a name must not be empty')
            try:
                _check_email(spec)
            except IonosError as exc:
                raise IonosError('backup unit %r: %s' % (spec['name'], exc))

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

        result = dict(changed=self.changed,
                      backupunits=[self._plan_result(plan) for plan in plans],
                      undeclared=[self._public(unit) for unit in undeclared],
                      purged=[plan.name for plan in plans if plan.purged])
        if self.module._diff:
            result['diff'] = [dict(plan.diff, before_header=plan.name, after_header=plan.name)
                              for plan in plans if plan.diff is not None]
        failed = [plan for plan in plans if plan.error is not None]
        if failed:
            result['failed'] = True
            result['msg'] = '%d of %d backup units failed: %s' % (
                len(failed), len(plans), '; '.join('%r: %s' % (plan.name, plan.error) for plan in failed))
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

    def _send_create(self, plan):
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
                if attempt == MAX_WRITE_ATTEMPTS:
                    raise lost.cause or lost
        plan.changed = True     # from here on a failure still reports the change made
        if not isinstance(unit, dict) or not unit.get('id'):
            raise IonosError('the API accepted the new backup unit %r but returned no id' % plan.name)
        plan.unit_id, plan.answered = unit['id'], unit

    def _send_update(self, plan):
        unit, changes = plan.unit, plan.body
        path = '%s/%s' % (COLLECTION_PATH, _path_part(unit['id']))
        response = None
        for attempt in range(1, MAX_WRITE_ATTEMPTS + 1):
            try:
                # Only what changes: the name is immutable and readOnly in today's PATCH schema
                # (BackupUnitPropertiesPut), and no vendor client sends it (NOTES.md section 11).
                response = self.client.patch(path, changes)
                break
            except AnswerLost as lost:
                # Read back: a new etag (or a unit now busy) proves the PATCH applied.
                now = self.get(unit['id'])
                if now is None:
                    raise IonosError('backup unit %r disappeared while it was being updated' % plan.name)
                if _applied_since(unit, now) or not _remaining_changes(now, changes):
                    break
                if attempt == MAX_WRITE_ATTEMPTS:
                    raise lost.cause or lost
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
            if exc.status != 404:   # a 404 here means a retried DELETE had already applied
                self._settle_failed_delete(plan, exc)
            plan.needs_wait = False
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
                raise IonosError('backup unit %s is in state %s after a DELETE that failed: %s'
                                 % (unit_id, state, error))
            raise error

        what = 'backup unit %s to be deleted' % unit_id
        if not api_says_deleting:   # else the error is the expected "being deleted", no news to the user
            what += ' (its DELETE failed: %s)' % error
        self.client.poll(check, self.client.deadline(self.module.params['wait_timeout']), what)

    # ---- helpers ---------------------------------------------------------------------

    def _wait(self, unit_id, location, gone=False, answered=None):
        """Wait for the write to finish; return the unit as it is then (None when gone).

        A write the API `answered` with a settled unit (AVAILABLE, as reported since 2025) needs
        no wait. Otherwise follows the request's status URL; when the API does not track it (404,
        or no Location), polls the unit until it is AVAILABLE, or gone for a delete. A timeout
        names the unit and the request either way: untracked is the real API's usual path, and
        the request id is what IONOS support asks for.
        """
        if not gone and settled(answered):
            return answered
        client = self.client
        deadline = client.deadline(self.module.params['wait_timeout'])
        if location and client.wait_for_request(location, deadline):
            return None if gone else self.get(unit_id)

        def check():
            unit = self.get(unit_id)
            if gone:
                return True if unit is None else None
            if unit is None:
                raise IonosError('backup unit %s disappeared while waiting for it' % unit_id)
            if unit_state(unit) in FAILED_STATES:
                raise IonosError('backup unit %s is in state %s' % (unit_id, unit_state(unit)))
            return unit if unit_state(unit) == 'AVAILABLE' else None

        result = client.poll(check, deadline, 'backup unit %s to %s' % (
            unit_id, 'be deleted' if gone else 'become AVAILABLE'), request_id=request_id_from_url(location))
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
                    plan.error = 'backup unit %s disappeared while waiting for it' % unit_id
                    done = True
                elif unit_state(unit) in FAILED_STATES:
                    plan.error = 'backup unit %s is in state %s' % (unit_id, unit_state(unit))
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

    def _add_login(self, unit):
        """Add `login`, the name the backup console and agents log in with, when it is known for free.

        It is `<contract number>-<unit name>`; without contract_number, learning the number would
        cost a GET /contracts, so the key is then absent.
        """
        contract = self.module.params.get('contract_number')
        name = unit_properties(unit).get('name')
        if contract is not None and name:
            unit['login'] = '%s-%s' % (contract, name)

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
        for key in ('name', 'id'):
            if params.get(key) is not None and not params[key].strip():
                raise IonosError('%s must not be empty' % key)
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
