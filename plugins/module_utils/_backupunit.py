# -*- coding: utf-8 -*-
# Copyright (c) ionoscloud.backup contributors
# BSD 2-Clause License (see https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

"""Backup units: what a declared unit needs (decisions), and the reads and writes that carry it out.

Decisions are pure: plan_unit() takes a declared unit and the unit as the API has it, and returns
an immutable Plan (action, body, diff). BackupUnits carries plans out against the API; what a
write did is its Outcome. Nothing here reads module options or ends a module run: modules pass
explicit arguments and call exit_json/fail_json themselves.
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
    InputError,
    IonosError,
    RequestFailed,
    TransportError,
    WaitTimeout,
    request_id_from_url,
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
# perhaps a delete, perhaps not (BUSY does not say which).
DELETING_STATES = ('DESTROYING', 'TERMINATED')
FAILED_STATES = ('FAILED', 'FAILED_UPDATING', 'FAILED_SUSPENDED')
PENDING_STATES = ('BUSY', 'UPDATING', 'DEPLOYING')
# An address the API could deliver reports to: one @, a non-empty local part, a domain of two or
# more non-empty labels, no whitespace anywhere. Deliberately loose (plus tags, apostrophes and
# internationalised addresses pass): it catches the typos the API would otherwise accept and store.
EMAIL_RE = re.compile(r'[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)+')
# What a user can do about a unit in a FAILED state: the API says no more than the state.
NEXT_STEP_FAILED = ('if the unit holds no backups you need, delete it (state: absent) and create it again; '
                    'otherwise ask IONOS support about it, quoting its id')


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


def public_unit(unit):
    """A copy of the unit that can be returned: never a password, even if the API sent one.

    Shallow (the unit and its properties), so that listing 10,000 units costs no deep copies.
    """
    if unit is None:
        return None
    unit = dict(unit)
    if isinstance(unit.get('properties'), dict):
        unit['properties'] = {key: value for key, value in unit['properties'].items() if key != 'password'}
    return unit


# ---- input: checked before any request -----------------------------------------------------


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
    """Why the declared unit `spec` cannot be converged (one line), or None.

    `spec` has name, state and, for present, email, password and update_password. Its name is
    checked apart, by name_problem(), since a unit may be named by its id alone.
    """
    if spec['state'] != 'present':      # only state=present sends an email or a password
        return None
    email = spec.get('email')
    if email is not None and not EMAIL_RE.fullmatch(email):
        return 'email %r is not a valid email address (expected name@domain)' % email
    if spec['update_password'] == 'always' and not spec.get('password'):
        return 'update_password is always but %s is missing or empty, so nothing would be set; give the new ' \
               'password, or use update_password: on_create' % password_option
    return None


def check_lookup(name=None, unit_id=None, wait_timeout=None):
    """Raise InputError for a name, id or wait_timeout no request should be sent with.

    An empty name or id (an unset host variable, say) is a mistake, never a wildcard.
    """
    problem = name_problem(name) if name is not None else None
    if problem:
        raise InputError(problem)
    if unit_id is not None and not unit_id.strip():
        raise InputError('id must not be empty')
    if wait_timeout is not None and wait_timeout < 0:
        raise InputError('wait_timeout must be 0 or more seconds, got %s' % wait_timeout)


def check_unit(spec, label, password_option='password'):
    """Raise InputError naming `label` when the declared unit `spec` cannot be converged."""
    problem = spec_problem(spec, password_option)
    if problem:
        raise InputError('%s: %s' % (label, problem))


def check_list(specs, purge):
    """Raise InputError when the declared list `specs` cannot be converged, naming the entry.

    A purge of a list without a present unit would delete every unit of the contract: such a list
    is more often a variable that did not load than a wish, so it is refused.
    """
    if purge and not any(spec['state'] == 'present' for spec in specs):
        raise InputError(
            'refusing to purge: the list of units %s, so purge would delete every backup unit of the contract and '
            'all of their backups (an empty list is often a variable that did not load); nothing was changed. List '
            'the units to keep, or delete units by name with state: absent'
            % ('is empty' if not specs else 'declares no unit with state: present'))
    counts = collections.Counter(spec['name'] for spec in specs)
    duplicates = sorted(name for name, count in counts.items() if count > 1)
    if duplicates:
        raise InputError('these backup unit names are listed more than once: %s; each unit must appear once'
                         % ', '.join(duplicates))
    for index, spec in enumerate(specs):
        label = 'units[%d] %r' % (index, spec['name'])
        problem = name_problem(spec['name'])
        if problem:
            raise InputError('%s: %s' % (label, problem))
        check_unit(spec, label)


# ---- decisions -----------------------------------------------------------------------------


class Plan(collections.namedtuple('Plan', 'name action unit body diff purged')):
    """What one unit needs, decided before any write; immutable.

    `action` is create, update, delete or None; `unit` the unit as found (None when absent);
    `body` the properties to POST or PATCH; `diff` name and email before and after; `purged`
    true for an undeclared unit that purge deletes.
    """

    @property
    def unit_id(self):
        return self.unit.get('id') if self.unit else None

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

    A password is write-only in the API, so it is only sent to create a unit or with
    update_password=always. Raises InputError when a unit must be created without a password.
    """
    name = spec['name']
    if spec['state'] == 'absent':
        if unit is None:
            return Plan(name, None, None, None, None, purged)
        return Plan(name, 'delete', unit, None, dict(before=_comparable(unit_properties(unit)), after={}), purged)
    if unit is None:
        if not spec.get('password'):
            raise InputError('%s is required to create backup unit %r' % (password_option, name))
        wanted = _comparable(dict(name=name, email=spec.get('email')))
        return Plan(name, 'create', None, dict(wanted, password=spec['password']),
                    dict(before={}, after=dict(wanted, password=PASSWORD_AFTER)), purged)
    current = unit_properties(unit)
    changes = {}
    if spec.get('email') is not None and not same_email(spec['email'], current.get('email')):
        changes['email'] = spec['email']
    if spec['update_password'] == 'always' and spec.get('password'):     # check_unit refuses it empty
        changes['password'] = spec['password']
    if not changes:
        return Plan(name, None, unit, None, None, purged)
    before = _comparable(current)
    after = dict(before, **_comparable(changes))
    if 'password' in changes:
        before['password'] = PASSWORD_BEFORE
        after['password'] = PASSWORD_AFTER
    return Plan(name, 'update', unit, changes, dict(before=before, after=after), purged)


class Outcome:
    """What carrying out a plan did: `changed` (the API applied a write), `answered` (the unit as
    the API last showed it), `location` (the request to follow), `error` (why it failed)."""

    def __init__(self, plan):
        self.plan = plan
        self.unit_id = plan.unit_id
        self.answered = plan.unit
        self.location = None
        self.changed = False
        self.error = None
        # Nothing to wait for when nothing is written, unless the unit is still busy from an earlier write.
        self.needs_wait = plan.action is not None or (plan.unit is not None and not settled(plan.unit))

    @property
    def label(self):
        """The unit as messages name it: its name, and its id once it has one."""
        return 'backup unit %r%s' % (self.plan.name, ' (id %s)' % self.unit_id if self.unit_id else '')

    def failed_message(self, state):
        return '%s is in state %s, and the API gives no reason; %s' % (self.label, state, NEXT_STEP_FAILED)


PAST_TENSE = dict(create='created', update='updated', delete='deleted')


def summary(outcomes, left_alone, check_mode):
    """One line naming what the run did (or, in check mode, would do) to which unit.

    Unchanged units are counted, not named: a long list would drown the changes.
    """
    done = collections.OrderedDict()
    unchanged = 0
    for outcome in outcomes:
        plan = outcome.plan
        if outcome.error is not None:
            continue
        if plan.action is None or not outcome.changed:
            unchanged += 1
            continue
        verb = 'would %s' % plan.action if check_mode else PAST_TENSE[plan.action]
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


def list_result(units, outcomes, undeclared, purge, wait, diff_mode):
    """The backupunits module's result: per unit what happened, the undeclared units, and `msg`
    naming it all; `failed` when a unit failed, `msg` then naming each failed unit first."""
    check_mode = units.check_mode
    text = summary(outcomes, [] if purge else undeclared, check_mode)
    entries = []
    for outcome in outcomes:
        plan = outcome.plan
        if check_mode:
            unit = units.public(plan.predicted(wait))
        else:
            unit = None if plan.action == 'delete' else units.public(outcome.answered)
        entry = dict(name=plan.name, action=plan.action or 'none', changed=outcome.changed, purged=plan.purged,
                     backupunit=unit)
        if outcome.error is not None:
            entry.update(failed=True, msg=outcome.error)
        entries.append(entry)
    result = dict(changed=units.changed, msg=text, backupunits=entries,
                  undeclared=[units.public(unit) for unit in undeclared],
                  purged=[outcome.plan.name for outcome in outcomes if outcome.plan.purged])
    if diff_mode:
        result['diff'] = [dict(outcome.plan.diff, before_header=outcome.plan.name, after_header=outcome.plan.name)
                          for outcome in outcomes if outcome.plan.diff is not None]
    failed = [outcome for outcome in outcomes if outcome.error is not None]
    if failed:
        result['failed'] = True
        result['msg'] = '%d of %d backup units failed: %s. The others: %s' % (
            len(failed), len(outcomes), '; '.join('%r: %s' % (o.plan.name, o.error) for o in failed), text)
    return result


# ---- reads and writes ------------------------------------------------------------------------


class BackupUnits:
    """Reads and writes backup units through `client`, for modules that pass explicit arguments.

    `contract_number`, when known, makes each returned unit's `login`. `check_mode` makes writes
    predictions. `changed` is true once the API applied a write, also when a later step fails.
    """

    def __init__(self, client, contract_number=None, check_mode=False):
        self.client = client
        self.contract_number = contract_number
        self.check_mode = check_mode
        self.changed = False
        # Set once the single GET answered a stale unit (#641): later reads of the run use the list.
        self.single_get_is_stale = False

    # ---- reads ------------------------------------------------------------------------------

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

    def find(self, name):
        """The unit with this name (one list request), or None; fails when several carry the name."""
        matches = [unit for unit in self.list() if unit_properties(unit).get('name') == name]
        if len(matches) > 1:
            raise IonosError('%d backup units are named %r (ids %s); use the id to pick one' % (
                len(matches), name, ', '.join(sorted(str(unit.get('id')) for unit in matches))))
        return matches[0] if matches else None

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

    def sso_url(self, name=None, unit_id=None):
        """A single sign-on URL of the unit with `unit_id`, else named `name`.

        By id it is one request (a 404 means no such unit); by name, the list and then the URL.
        The URL carries a login token: it goes only into the result, never into a message.
        """
        if unit_id is not None:
            label = 'with id %r' % unit_id
        else:
            unit = self.find(name)
            if unit is None:
                raise IonosError('backup unit %r not found' % name)
            unit_id, label = unit['id'], repr(name)
        try:
            body = self.client.get('%s/%s/ssourl' % (COLLECTION_PATH, _path_part(unit_id))) or {}
        except ApiError as exc:
            if exc.status == 404:
                raise IonosError('backup unit %s not found' % label)
            raise
        if not isinstance(body, dict) or not body.get('ssoUrl'):
            raise IonosError('the API returned no ssoUrl for backup unit %s' % label)
        return body['ssoUrl']

    def public(self, unit):
        """The unit as modules return it: a copy without password, with its login when that is known."""
        unit = public_unit(unit)
        name = unit_properties(unit).get('name')
        if unit is not None and self.contract_number is not None and name:
            unit['login'] = '%s-%s' % (self.contract_number, name)
        return unit

    # ---- one unit ---------------------------------------------------------------------------

    def converge_one(self, spec, unit_id=None, wait=True, wait_timeout=600):
        """Bring the unit named in `spec` (or with `unit_id`) to its declared state.

        Returns (plan, outcome, unit): the unit as it is after the run (as it was, for a delete),
        or as a real run would leave it, in check mode.
        """
        unit = self.find(spec['name']) if unit_id is None else self._by_id(unit_id, spec)
        plan = plan_unit(spec, unit, password_option='backupunit_password')
        outcome = Outcome(plan)
        if self.check_mode:
            outcome.changed = self.changed = plan.action is not None
            return plan, outcome, plan.predicted(wait)
        if plan.action is not None:
            try:
                self._send(outcome, wait_timeout)
            finally:
                self.changed = outcome.changed
        unit = outcome.answered
        if wait and outcome.needs_wait:
            unit = self._wait(outcome, wait_timeout)
        return plan, outcome, plan.unit if plan.action == 'delete' else unit

    def _by_id(self, unit_id, spec):
        """The unit with `unit_id` (None when absent and state=absent); names `spec` after it."""
        unit = self.get(unit_id)
        if unit is None:
            if spec['state'] == 'present':
                raise InputError('no backup unit has id %r; to create a unit, give its name instead (the API '
                                 'assigns the id)' % unit_id)
            spec['name'] = unit_id      # for messages only: nothing will be sent
            return None
        found = unit_properties(unit).get('name')
        if spec['name'] is not None and spec['name'] != found:
            raise InputError('backup unit %s is named %r, not %r; a unit cannot be renamed' % (unit_id, found, spec['name']))
        spec['name'] = found
        return unit

    # ---- a declared list --------------------------------------------------------------------

    def converge_list(self, specs, purge=False, wait=True, wait_timeout=600):
        """Converge the declared list in one pass; returns (outcomes, undeclared units).

        One list read; every create, update and delete sent without waiting in between; then one
        wait for all of them, one list request per poll. A unit whose write fails does not stop the
        others: its outcome carries the error.
        """
        existing = self.list()
        by_name = {}
        for unit in existing:
            by_name.setdefault(unit_properties(unit).get('name'), []).append(unit)
        ambiguous = sorted(spec['name'] for spec in specs if len(by_name.get(spec['name'], ())) > 1)
        if ambiguous:
            raise IonosError('several backup units are named %s; remove the extra ones before converging'
                             % ', '.join(repr(name) for name in ambiguous))
        # Every plan is made, so every input problem found, before the first write.
        plans = [plan_unit(spec, (by_name.get(spec['name']) or [None])[0]) for spec in specs]
        declared = set(spec['name'] for spec in specs)
        undeclared = [unit for unit in existing if unit_properties(unit).get('name') not in declared]
        if purge:
            plans += [plan_unit(dict(name=unit_properties(unit).get('name'), state='absent'), unit, purged=True)
                      for unit in undeclared]
        outcomes = [Outcome(plan) for plan in plans]
        if self.check_mode:
            for outcome in outcomes:
                outcome.changed = outcome.plan.action is not None
        else:
            for outcome in outcomes:
                if outcome.plan.action is not None:
                    try:
                        self._send(outcome, wait_timeout)
                    except IonosError as exc:
                        outcome.error = str(exc)
            if wait:
                self._wait_for_all([outcome for outcome in outcomes if outcome.error is None and outcome.needs_wait],
                                   wait_timeout)
        self.changed = any(outcome.changed for outcome in outcomes)
        return outcomes, undeclared

    # ---- writes -----------------------------------------------------------------------------

    def _send(self, outcome, wait_timeout):
        """Send the plan's write, never twice for one applied change; records it in `outcome`."""
        action = outcome.plan.action
        deadline = self.client.deadline(wait_timeout)
        if action == 'create':
            self._send_create(outcome, deadline)
        elif action == 'update':
            self._send_update(outcome, deadline)
        else:
            self._send_delete(outcome, deadline)

    def _pause_before_resend(self, attempt, lost, deadline):
        """Pause before sending a write again (its answer was lost, and it proved not applied): as long as
        the client's retry backoff after `attempt` sends, or raise the loss when that would pass `deadline`."""
        if attempt == MAX_WRITE_ATTEMPTS:
            raise lost.cause or lost
        delay = self.client.backoff(attempt)
        if self.client.clock() + delay > deadline:
            raise lost.cause or lost
        self.client.sleep(delay)

    def _send_create(self, outcome, deadline):
        plan = outcome.plan
        for attempt in range(1, MAX_WRITE_ATTEMPTS + 1):
            try:
                response = self.client.post(COLLECTION_PATH, {'properties': plan.body})
                outcome.location, unit = response.location, response.body
                break
            except AnswerLost as lost:
                # Read back by name: found means the POST applied and must not be sent again.
                unit = self.find(plan.name)
                if unit is not None:
                    break
                self._pause_before_resend(attempt, lost, deadline)
        outcome.changed = True     # from here on a failure still reports the change made
        if not isinstance(unit, dict) or not unit.get('id'):
            raise IonosError('the API accepted the new backup unit %r but returned no id' % plan.name)
        outcome.unit_id, outcome.answered = unit['id'], unit

    def _send_update(self, outcome, deadline):
        plan = outcome.plan
        unit, changes = plan.unit, plan.body
        path = '%s/%s' % (COLLECTION_PATH, _path_part(unit['id']))
        response = None
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
                    raise IonosError('%s disappeared while it was being updated' % outcome.label)
                if _applied_since(unit, now) or not _remaining_changes(now, changes):
                    break
                self._pause_before_resend(attempt, lost, deadline)
                unit, changes = now, _remaining_changes(now, changes)
        outcome.changed = True
        outcome.location = response.location if response is not None else None
        if response is not None and isinstance(response.body, dict):
            outcome.answered = response.body
        else:
            outcome.answered = _with_properties(unit, plan.body)

    def _send_delete(self, outcome, deadline):
        try:
            outcome.location = self.client.delete('%s/%s' % (COLLECTION_PATH, _path_part(outcome.unit_id))).location
        except ApiError as exc:
            outcome.needs_wait = False
            if exc.status == 404 and exc.attempts == 1:
                return      # gone before our DELETE arrived: someone else deleted it, no change of ours
            if exc.status != 404:   # a 404 to a resent DELETE means an earlier one applied
                self._settle_failed_delete(outcome, exc, deadline)
        except TransportError as exc:
            outcome.needs_wait = False
            self._settle_failed_delete(outcome, exc, deadline)
        outcome.changed = True

    def _settle_failed_delete(self, outcome, error, deadline):
        """Decide a DELETE that failed after the client's retries: return when the unit is gone (or
        proven to be on its way out); raise `error` when it was not deleted.

        The first attempt may have applied with its answer lost, and the client's retry then gets
        the API's 422 "being deleted" (or a 5xx, or no answer). Only a read-back can tell, and no
        DELETE is sent again here. A unit that is merely BUSY may be running someone else's write,
        so it is polled until it is gone, proven deleting, or settles (then `error` stands), until
        `deadline`.
        """
        api_says_deleting = isinstance(error, ApiError) and 'being deleted' in error.message.lower()

        def check():
            try:
                now = self.get(outcome.unit_id)
            except IonosError:
                raise error     # the DELETE's own failure says more than the read-back's
            if now is None:
                return 'gone'
            state = unit_state(now)
            if state in DELETING_STATES or (api_says_deleting and state in PENDING_STATES):
                outcome.changed = True     # a DELETE of ours (or someone's) applied: a later timeout reports it
                return 'deleting'
            if state in PENDING_STATES:
                return None
            if state and state.startswith('FAILED'):
                raise IonosError('%s is in state %s after a DELETE that failed: %s' % (outcome.label, state, error))
            raise error

        what = '%s to be deleted' % outcome.label
        if not api_says_deleting:   # else the error is the expected "being deleted", no news to the user
            what += ' (its DELETE failed: %s)' % error
        if self.client.poll(check, deadline, what) == 'deleting':
            outcome.needs_wait = True       # the wait, if asked for, sees it gone
            outcome.location = None

    # ---- waiting ----------------------------------------------------------------------------

    def _wait(self, outcome, wait_timeout):
        """Wait for the outcome's write to finish; return the unit as it is then (None when gone).

        A write the API answered with a settled unit (AVAILABLE, as today's API answers) needs no
        wait. Otherwise follows the request's status URL; when the API does not track it (404, or
        no Location), polls the unit until it is AVAILABLE, or gone for a delete. A timeout names
        the unit and the request either way: the request id is what IONOS support asks for.
        """
        gone = outcome.plan.action == 'delete'
        if not gone and settled(outcome.answered):
            return outcome.answered
        client = self.client
        deadline = client.deadline(wait_timeout)
        try:
            if outcome.location and client.wait_for_request(outcome.location, deadline):
                return None if gone else self.get(outcome.unit_id)
        except RequestFailed as exc:
            raise RequestFailed('%s: %s%s' % (outcome.label, exc.message, '' if gone else '. ' + NEXT_STEP_FAILED),
                                request_id=exc.request_id)

        def check():
            unit = self.get(outcome.unit_id)
            if gone:
                return True if unit is None else None
            if unit is None:
                raise IonosError('%s disappeared while waiting for it' % outcome.label)
            if unit_state(unit) in FAILED_STATES:
                raise IonosError(outcome.failed_message(unit_state(unit)))
            return unit if unit_state(unit) == 'AVAILABLE' else None

        result = client.poll(check, deadline, '%s to %s' % (outcome.label, 'be deleted' if gone else 'become AVAILABLE'),
                             request_id=request_id_from_url(outcome.location))
        return None if gone else result

    def _wait_for_all(self, outcomes, wait_timeout):
        """Wait until the unit of every outcome has settled: AVAILABLE, or gone after a delete.

        One list request per poll, whatever the number of units, on the client's poll schedule;
        the list is also what the API keeps right when its single GET is stale (#641). A unit
        that fails, or is still pending after `wait_timeout`, gets its error and holds up no other.
        """
        pending = {outcome.unit_id: outcome for outcome in outcomes
                   if outcome.plan.action == 'delete' or not settled(outcome.answered)}

        def check():
            units = {unit.get('id'): unit for unit in self.list()}
            for unit_id, outcome in list(pending.items()):
                unit = units.get(unit_id)
                if outcome.plan.action == 'delete':
                    done = unit is None
                elif unit is None:
                    outcome.error = '%s disappeared while waiting for it' % outcome.label
                    done = True
                elif unit_state(unit) in FAILED_STATES:
                    outcome.error = outcome.failed_message(unit_state(unit))
                    done = True
                else:
                    outcome.answered = unit
                    done = settled(unit)
                if done:
                    del pending[unit_id]
            return True if not pending else None

        if not pending:
            return
        try:
            self.client.poll(check, self.client.deadline(wait_timeout), 'backup units to settle')
        except WaitTimeout:
            for outcome in pending.values():
                outcome.error = 'timed out after %ss (wait_timeout) waiting for it to %s' % (
                    wait_timeout, 'be deleted' if outcome.plan.action == 'delete' else 'become AVAILABLE')


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
