"""Tests for models.policy presets and policy files: the numbers the published policies give."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from models import (
    PRESETS,
    AsyeSchedule,
    Child,
    ManagerSpan,
    Pacing,
    Policy,
    PolicyError,
    Priorities,
    ServicePolicy,
    SiblingMode,
    Weighting,
    load_policy,
    parse_policy,
    policy_toml,
)


@pytest.mark.parametrize("name", PRESETS)
def test_every_preset_loads_and_cites_its_source(name):
    """Each shipped preset validates, carries its own name and names the policy it comes from."""
    policy = load_policy(name)
    assert isinstance(policy, Policy)
    assert policy.name == name
    assert policy.services
    assert policy.source


@pytest.mark.parametrize("name", PRESETS)
def test_every_preset_targets_sit_under_caps(name):
    """A service's target per FTE is never above its hard cap, where it has one."""
    for key, service in load_policy(name).services.items():
        target, cap = service.target_children_per_fte, service.max_children_per_fte
        assert target is None or cap is None or target <= cap, key


def test_barnet_numbers():
    """Barnet (001): team averages as targets, no hard cap, 22 needing Head of Service."""
    barnet = load_policy("barnet")
    targets = {k: s.target_children_per_fte for k, s in barnet.services.items()}
    assert targets == {
        "duty_assessment": 16,
        "intervention_planning": 15,
        "disabled_children": 18,
        "children_in_care": 16,
        "adoption_fostering": 15,
        "leaving_care": 20,
    }
    # s.3.7 is an approval threshold, not a cap: Barnet publishes no maximum.
    assert {s.max_children_per_fte for s in barnet.services.values()} == {None}
    (threshold,) = barnet.thresholds
    assert (threshold.name, threshold.approval, threshold.allow_crossing) == (
        "head_of_service_approval",
        "head_of_service",
        False,
    )
    assert (threshold.above, threshold.below) == (22, None)
    assert barnet.band(22) == "within" and barnet.band(22.5) == "head_of_service_approval"
    # s.3.6: "approximately 50%" rising through the year to a qualified worker's caseload.
    assert (barnet.asye.start_factor, barnet.asye.end_factor, barnet.asye.months) == (0.5, 1, 12)
    assert barnet.asye.excluded == ()
    assert barnet.leave.reallocate_after_working_days == 15  # s.3.12
    assert barnet.escalation_months == 2  # s.5 item 4
    assert barnet.siblings is SiblingMode.TOGETHER_WHERE_POSSIBLE
    # Barnet sets no span or oversight: none borrowed from Merton.
    assert barnet.span.max_fte is None and barnet.span.oversight_max is None


def test_merton_numbers():
    """Merton (002): ranges as caps and lower ends, the leaving-care mix, span and oversight."""
    merton = load_policy("merton")
    first = merton.services["first_response"]
    assert (first.max_cases_per_fte, first.min_cases_per_fte, first.max_children_per_fte) == (
        12,
        10,
        26,
    )
    mix = merton.services["leaving_care"].mix
    assert mix is not None
    assert mix.mixed_per_fte == {"cla": 10, "care_leaver": 10}
    assert mix.only_max_per_fte == {"cla": 16, "care_leaver": 25}
    assert mix.only_min_per_fte == {"cla": 13, "care_leaver": 20}
    ranges = {
        k: (s.min_children_per_fte, s.max_children_per_fte)
        for k, s in merton.services.items()
        if k not in ("first_response", "leaving_care")
    }
    assert ranges == {
        "cin": (18, 20),
        "disabled_children": (18, 20),
        "cla": (12, 15),
        "supervising_social_workers": (15, 20),
        "independent_reviewing": (50, 70),
        "youth_justice": (10, 12),
    }
    span = merton.span
    assert (span.min_fte, span.ideal_fte, span.max_fte) == (None, 5, 6)
    assert (span.oversight_min, span.oversight_max, span.oversight_hard) == (50, 100, False)


def test_sutton_numbers():
    """Sutton (000): an average of 18 children per FTE is every service's aim; no maximum."""
    sutton = load_policy("sutton")
    assert {s.target_children_per_fte for s in sutton.services.values()} == {18}
    assert {s.max_children_per_fte for s in sutton.services.values()} == {None}


def test_welsh_numbers():
    """Welsh report (003): exception bands above 28 and below 20 per FTE; levels 1-4."""
    welsh = load_policy("welsh")
    assert [(t.name, t.above, t.below) for t in welsh.thresholds] == [
        ("exception_above_28", 28, None),
        ("exception_below_20", None, 20),
    ]
    assert welsh.band(19) == "exception_below_20" and welsh.band(29) == "exception_above_28"
    assert welsh.weighting.level == {1: 1, 2: 2, 3: 3, 4: 4}


def test_presets_borrow_no_limit_their_source_does_not_set():
    """No preset carries an ASYE exclusion; the exception bands are only in the Welsh preset."""
    for name in PRESETS:
        policy = load_policy(name)
        assert policy.asye.excluded == (), name
        bands = {t.name for t in policy.thresholds}
        if name != "welsh":
            assert not bands & {"exception_above_28", "exception_below_20"}, name


def test_user_toml_with_one_service_gets_every_default(tmp_path):
    """A file holding only one service (the contract's minimum) loads with all defaults."""
    path = tmp_path / "local.toml"
    path.write_text(
        "[services.npap]\nmax_children_per_fte = 3\nmax_load_per_fte = 105\n", encoding="utf-8"
    )
    policy = load_policy(path)
    assert policy.name == "local"  # the file's stem
    assert list(policy.services) == ["npap"]
    npap = policy.services["npap"]
    assert (npap.max_children_per_fte, npap.max_load_per_fte) == (3, 105)
    assert npap.target_children_per_fte is None and npap.category_caps_per_fte == {}
    assert policy.asye == AsyeSchedule()
    assert policy.span == ManagerSpan()
    assert policy.weighting == Weighting()
    assert policy.pacing == Pacing()
    assert policy.priorities == Priorities()
    assert policy.thresholds == ()
    assert policy.siblings is SiblingMode.TOGETHER_WHERE_POSSIBLE
    assert load_policy(str(path)) == policy  # a path given as text works the same


def _error(tmp_path: Path, text: str) -> str:
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    message = str(caught.value)
    assert str(path) in message  # every message says which file
    return message


def test_invalid_toml_is_a_policy_error(tmp_path):
    """Text that is not TOML gives a PolicyError saying so."""
    assert "not valid TOML" in _error(tmp_path, "[services.cin\nmax_children_per_fte = 20\n")


@pytest.mark.parametrize(
    ("text", "field"),
    [
        (
            "[services.cin]\nmax_children_per_fte = 20\nmax_childen = 3\n",
            "services.cin.max_childen",
        ),
        ("colour = 'red'\n[services.cin]\nmax_children_per_fte = 20\n", "colour"),
        ("[services.cin]\nmax_children_per_fte = 20\n[span]\nmax_span = 6\n", "span.max_span"),
    ],
)
def test_unknown_field_is_named(tmp_path, text, field):
    """A misspelt or unknown field is refused, and the message gives its dotted path."""
    assert field in _error(tmp_path, text)


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("[services.cin]\nmax_children_per_fte = -1\n", "services.cin.max_children_per_fte"),
        (
            "[services.cin]\nmax_children_per_fte = 20\nmax_load_per_fte = 0\n",
            "services.cin.max_load_per_fte",
        ),
        (
            "[services.cin]\nmax_children_per_fte = 20\n[pacing]\nmax_new_per_worker = -2\n",
            "pacing.max_new_per_worker",
        ),
        (
            "[services.cin]\nmax_children_per_fte = 20\n[asye]\nstart_factor = 1.5\n",
            "asye.start_factor",
        ),
    ],
)
def test_out_of_range_value_is_named(tmp_path, text, field):
    """A negative or out-of-range cap is refused, and the message gives the field."""
    assert field in _error(tmp_path, text)


def test_negative_category_cap_is_named(tmp_path):
    """A negative category cap is refused, naming the service and the category."""
    message = _error(
        tmp_path,
        "[services.leaving_care]\nmax_children_per_fte = 20\n"
        "category_caps_per_fte = { cla = -1, care_leaver = 10 }\n",
    )
    assert "services.leaving_care" in message and "cla" in message


def test_policy_without_services_is_refused(tmp_path):
    """A policy needs at least one service."""
    message = _error(tmp_path, "name = 'empty'\nservices = {}\n")
    assert "at least one [services.NAME] table" in message


def test_threshold_needs_one_side(tmp_path):
    """A threshold with neither ``above`` nor ``below`` is refused."""
    message = _error(
        tmp_path,
        "[services.cin]\nmax_children_per_fte = 20\n[[thresholds]]\nname = 'hos'\n",
    )
    assert "threshold 'hos' needs exactly one of 'above' or 'below'" in message


def test_unknown_preset_lists_the_presets():
    """``load_policy('nope')`` says it is neither a preset nor a file, listing the presets."""
    with pytest.raises(PolicyError) as caught:
        load_policy("nope")
    message = str(caught.value)
    assert "unknown policy 'nope'" in message
    for name in PRESETS:
        assert name in message


@pytest.mark.parametrize("name", PRESETS)
def test_policy_toml_reads_back_equal(name):
    """Every preset written as TOML reads back as the same policy, and writes the same text."""
    policy = load_policy(name)
    text = policy_toml(policy)
    assert parse_policy(text, f"{name}.toml") == policy
    assert policy_toml(parse_policy(text, f"{name}.toml")) == text


def test_policy_toml_leaves_out_limits_that_are_not_set():
    """A limit that is not set is left out of the TOML and reads back not set."""
    policy = Policy(services={"cin": ServicePolicy(max_children_per_fte=20)})
    text = policy_toml(policy)
    assert "oversight_max" not in text
    assert parse_policy(text, "p.toml").span.oversight_max is None


def test_weight_formula_is_category_times_level_plus_flags_and_travel():
    """weight = category x level + flag additions + travel beyond the miles, to 2 decimals."""
    w = Weighting()
    child = Child(
        child_id="C1",
        team_id="T1",
        category="cp",
        level=3,
        flags=frozenset({"court", "dv"}),
        distance_miles=21,
    )
    assert w.weight_of(child) == round(1.25 * 1.25 + 0.5 + 0.1 + 0.25, 2)
    assert w.weight_of(child.model_copy(update={"weight": 3.333})) == 3.33
    assert Weighting(sibling_discount=0.1).together(2.31) == 2.08


def test_statutory_work_is_the_first_priority_tier():
    """Child protection, in care and court are tier 2; a risk flag tier 1; else 0."""
    p = Priorities()
    assert p.tier(Child(child_id="A", team_id="T", category="cp")) == 2
    assert p.tier(Child(child_id="B", team_id="T", category="cin", flags=frozenset({"court"}))) == 2
    assert p.tier(Child(child_id="C", team_id="T", category="cin", flags=frozenset({"dv"}))) == 1
    assert p.tier(Child(child_id="D", team_id="T", category="cin")) == 0


def test_asye_factor_rises_with_completed_months():
    """An ASYE's factor counts completed months to the as-of date (Barnet 001 s.3.6)."""
    schedule = AsyeSchedule(start_factor=0.5, end_factor=0.8, months=12)
    start = date(2026, 1, 31)
    assert schedule.factor_on(start, date(2026, 2, 28)) == 0.5  # not a whole month yet
    assert schedule.factor_on(start, date(2026, 7, 31)) == pytest.approx(0.65)
    assert schedule.factor_on(start, date(2028, 1, 1)) == 0.8
    assert not schedule.year_ended(start, date(2027, 1, 30))
    assert schedule.year_ended(start, date(2027, 1, 31))
