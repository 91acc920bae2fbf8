"""One lifecycle mechanism for every stateful model.

A model's lifecycle is a `Lifecycle`: its states, a table of `Transition`s (from, to, label, who
may make it, the guards that may refuse it, whether a reason is required, whom it tells), and
the Chinese messages it refuses with. `move` is the one function that changes the state: it
locks the row, finds the transition, checks the actor's role and the guards, runs the move's
own work, saves, and writes the state-change log row in the same transaction; every refusal is
an `ApplicationError` (or, where a lifecycle says so, Django's `PermissionDenied`) raised before
anything is written. `options` answers the pages that draw buttons: which moves this actor may
make now, and why not the others.

The tables are drawn in docs/lifecycles.md (`python manage.py lifecycles_doc` writes it from the
tables; a test fails when the committed page differs).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from contextlib import nullcontext
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from django.db import models, transaction

from .errors import ApplicationError
from .services import state_change_record

if TYPE_CHECKING:
    from apps.accounts.models import User

M = TypeVar("M", bound=models.Model)

# A check on the object (and the actor, the move's context) that answers a refusal, or None.
GuardCheck = Callable[[Any, Any, Mapping[str, Any]], ApplicationError | None]


@dataclass(frozen=True)
class Guard:
    """A condition a move must meet. `check(obj, actor, context)` returns the refusal (an
    ApplicationError with its Chinese message) or None. `offered` guards are also asked when a
    page decides which buttons to draw; the others only when the move is made (they are dear,
    or they depend on what the actor enters)."""

    text: str  # what it checks, in a few words (for docs/lifecycles.md)
    check: GuardCheck
    offered: bool = False


@dataclass(frozen=True)
class Who:
    """Who may make a move: a label for the docs and a check of the actor on the object."""

    label: str
    check: Callable[[Any, Any], bool]


def anyone(actor: User | None, obj: Any) -> bool:
    return True


def nobody(actor: User | None, obj: Any) -> bool:
    return False


@dataclass(frozen=True)
class Transition:
    source: str
    target: str
    label: str
    who: str  # a key of the lifecycle's roles
    reason_required: bool = False
    guards: tuple[Guard, ...] = ()
    notice: str = ""  # who is told (for the docs); the lifecycle's owner sends it
    does: str = ""  # what else the move does or checks on its way (for the docs)
    action: str = ""  # a short name of the move (e.g. "suspend"), where the owner needs one

    @property
    def actor(self) -> str:
        """The older name of `who` (the class lifecycle's tests read it)."""
        return self.who

    @property
    def needs_reason(self) -> bool:
        """The older name of `reason_required` (the pages read it)."""
        return self.reason_required


def _label(states: type[models.TextChoices], value: str) -> str:
    return str(states(value).label) if value in states.values else value


@dataclass(frozen=True)
class Lifecycle(Generic[M]):
    """A model's lifecycle: its states, its transition table, who may move and how it refuses."""

    name: str  # the title in docs/lifecycles.md, e.g. "开班申请"
    model: type[M]
    states: type[models.TextChoices]
    transitions: tuple[Transition, ...]
    roles: Mapping[str, Who]
    noun: str = ""  # the object in messages: "开班申请不能从…"; defaults to the name
    field: str = "status"  # the model field holding the state
    error_field: str | None = "status"  # the field a refused move names
    rule: str | None = None  # the rule ID a refused move carries
    log: bool = True  # write a state-change row (export jobs are their own log)
    # Asked first, before the table: may this actor act on this object at all (raises).
    admit: Callable[[M, Any], None] | None = None
    # Messages; each has a default in the shape most lifecycles share.
    refuse_move: Callable[[M, str, str], Exception] | None = None
    refuse_actor: Callable[[M, Transition], Exception] | None = None
    refuse_reason: Callable[[Transition], Exception] | None = None
    unknown_state: Callable[[str], Exception] | None = None
    lock_row: Callable[[M], M] | None = None  # the row locked (default: select_for_update by pk)
    description: str = ""  # one paragraph for the docs
    initial: tuple[str, ...] = ()  # the states a row is created in (default: the first source)
    table: dict[tuple[str, str], Transition] = dataclasses.field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        table: dict[tuple[str, str], Transition] = {}
        for step in self.transitions:
            key = (step.source, step.target)
            if key in table:
                raise ValueError(f"{self.name}: {key} appears twice")
            if step.who not in self.roles:
                raise ValueError(f"{self.name}: unknown role {step.who!r}")
            table[key] = step
        object.__setattr__(self, "table", table)

    # The table ---------------------------------------------------------------------------------

    def find(self, source: str, target: str) -> Transition | None:
        return self.table.get((source, target))

    def targets(self) -> dict[str, set[str]]:
        """Each state with the states it may move to (none for a final state)."""
        moves: dict[str, set[str]] = {state: set() for state in self.states.values}
        for source, target in self.table:
            moves[source].add(target)
        return moves

    def label(self, state: str) -> str:
        return _label(self.states, state)

    # Refusals ----------------------------------------------------------------------------------

    def _refuse_move(self, obj: M, source: str, target: str) -> Exception:
        if self.refuse_move is not None:
            return self.refuse_move(obj, source, target)
        return ApplicationError(
            f"{self.noun or self.name}不能从“{self.label(source)}”变为“{self.label(target)}”",
            rule=self.rule,
            field=self.error_field,
        )

    def _refuse_actor(self, obj: M, step: Transition) -> Exception:
        if self.refuse_actor is not None:
            return self.refuse_actor(obj, step)
        return ApplicationError(f"您无权对该{self.noun or self.name}执行“{step.label}”")

    def _refuse_reason(self, step: Transition) -> Exception:
        if self.refuse_reason is not None:
            return self.refuse_reason(step)
        return ApplicationError(f"{step.label}须填写原因", field="reason")

    def may(self, actor: User | None, obj: M, step: Transition) -> bool:
        return self.roles[step.who].check(actor, obj)

    def refusal(
        self,
        obj: M,
        target: str,
        *,
        actor: User | None = None,
        check_actor: bool = False,
        offered_only: bool = True,
        context: Mapping[str, Any] | None = None,
    ) -> Exception | None:
        """Why the table, the actor (when `check_actor`) or the guards refuse moving `obj` to
        `target`, or None. With `offered_only`, only the guards a page asks."""
        source = getattr(obj, self.field)
        step = self.find(source, target)
        if step is None:
            return self._refuse_move(obj, source, target)
        if check_actor and not self.may(actor, obj, step):
            return self._refuse_actor(obj, step)
        for guard in step.guards:
            if offered_only and not guard.offered:
                continue
            refused = guard.check(obj, actor, context or {})
            if refused is not None:
                return refused
        return None

    def options(self, obj: M, actor: User | None) -> list[Option]:
        """Every move from the object's state with why this actor may not make it now (None
        when it may): the buttons a page draws. Only `offered` guards are asked."""
        source = getattr(obj, self.field)
        return [
            Option(step, self.refusal(obj, step.target, actor=actor, check_actor=True))
            for step in self.transitions
            if step.source == source
        ]

    def allowed(self, obj: M, actor: User | None) -> list[Transition]:
        """The moves this actor may make on the object now (the buttons a page draws)."""
        return [option.transition for option in self.options(obj, actor) if option.allowed]


@dataclass(frozen=True)
class Option:
    transition: Transition
    refusal: Exception | None

    @property
    def allowed(self) -> bool:
        return self.refusal is None


# A move's own work: runs after every check, before the save (it may still refuse), or after the
# save and the log row (notices, recounts).
Effect = Callable[[Any, Transition], None]


def move(
    lifecycle: Lifecycle[M],
    obj: M,
    *,
    actor: User | None,
    to: str,
    reason: str = "",
    context: Mapping[str, Any] | None = None,
    lock: bool = True,
    as_role: str | None = None,
    before_save: Effect | None = None,
    after_save: Effect | None = None,
    update_fields: Iterable[str] | None = None,
    save: bool = True,
    log_reason: str | None = None,
    changes: dict[str, Any] | None = None,
) -> M:
    """Move `obj` to `to` along its lifecycle; the one function that changes a lifecycle state.

    In one transaction: lock the row (unless the caller holds the lock: `lock=False`), admit the
    actor, find the transition, check the actor's role (a service of a higher app making a move
    reserved to it says so with `as_role`: only that role's moves are found, and the service
    has checked the actor), the guards and the reason, run `before_save`, save
    (`update_fields` with the state field, or the whole row; `save=False`: the caller saves it
    with what else it sets), write the state-change row (reason: `log_reason`, else the stripped
    reason), run `after_save`. Returns the locked, moved object. With `lock=False` the caller
    holds the row lock, hence a transaction, which the writes join; otherwise the move is its
    own transaction.
    """
    with transaction.atomic() if lock else nullcontext():
        return _move(
            lifecycle,
            obj,
            actor=actor,
            to=to,
            reason=reason,
            context=context,
            lock=lock,
            as_role=as_role,
            before_save=before_save,
            after_save=after_save,
            update_fields=update_fields,
            save=save,
            log_reason=log_reason,
            changes=changes,
        )


def _move(
    lifecycle: Lifecycle[M],
    obj: M,
    *,
    actor: User | None,
    to: str,
    reason: str,
    context: Mapping[str, Any] | None,
    lock: bool,
    as_role: str | None,
    before_save: Effect | None,
    after_save: Effect | None,
    update_fields: Iterable[str] | None,
    save: bool,
    log_reason: str | None,
    changes: dict[str, Any] | None,
) -> M:
    if lock:
        if lifecycle.lock_row is not None:
            obj = lifecycle.lock_row(obj)
        else:
            obj = lifecycle.model._default_manager.select_for_update().get(pk=obj.pk)
    if lifecycle.admit is not None:
        lifecycle.admit(obj, actor)
    if to not in lifecycle.states.values and lifecycle.unknown_state is not None:
        raise lifecycle.unknown_state(to)
    source = getattr(obj, lifecycle.field)
    step = lifecycle.find(source, to)
    if step is None or (as_role is not None and step.who != as_role):
        raise lifecycle._refuse_move(obj, source, to)
    if as_role is None and not lifecycle.may(actor, obj, step):
        raise lifecycle._refuse_actor(obj, step)
    for guard in step.guards:
        refused = guard.check(obj, actor, context or {})
        if refused is not None:
            raise refused
    reason = reason.strip()
    if step.reason_required and not reason:
        raise lifecycle._refuse_reason(step)
    if before_save is not None:
        before_save(obj, step)
    setattr(obj, lifecycle.field, to)
    if not save:
        pass
    elif update_fields is None:
        obj.save()
    else:
        obj.save(update_fields=[lifecycle.field, *update_fields])
    if lifecycle.log:
        state_change_record(
            obj=obj,
            actor=actor,
            from_state=source,
            to_state=to,
            reason=reason if log_reason is None else log_reason,
            changes=changes,
        )
    if after_save is not None:
        after_save(obj, step)
    return obj


# Every lifecycle, for docs/lifecycles.md: each app registers its own in AppConfig.ready() (or at
# import of the module defining it), so core imports none of them.
REGISTRY: list[Lifecycle[Any]] = []


def register(lifecycle: Lifecycle[M]) -> Lifecycle[M]:
    if all(known.name != lifecycle.name for known in REGISTRY):
        REGISTRY.append(lifecycle)
    return lifecycle
