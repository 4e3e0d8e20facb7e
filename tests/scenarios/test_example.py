"""Tests for allocator.example (synthetic authorities) and allocator.dfe (DfE statistics)."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models import PRESETS, Policy, ProblemData, Role, Worker, load_policy, reference_problems
from scenarios.dfe import DFE_CSV
from scenarios.example import dfe_profile, generate_authority, service_kind

AS_OF = date(2026, 11, 23)
DEFAULT = load_policy("default")
needs_dfe = pytest.mark.skipif(not DFE_CSV.is_file(), reason="shared DfE CSV absent")


@pytest.fixture(scope="module")
def data() -> ProblemData:
    return generate_authority(DEFAULT)


def months_served(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month - (end.day < start.day)


def count_cap(worker: Worker, data: ProblemData, policy: Policy) -> int:
    """The data contract's count cap: floor(max_children_per_fte * capacity) (for a
    caseload-mix service, its mixed total)."""
    if worker.max_children is not None:
        return worker.max_children
    service = policy.services[next(t.service for t in data.teams if t.team_id == worker.team_id)]
    factor = 1.0
    if worker.role is Role.ASYE:
        assert worker.asye_start is not None
        factor = policy.asye.factor(months_served(worker.asye_start, AS_OF))
    per_fte = service.max_children_per_fte
    if per_fte is None and service.mix is not None:  # Merton's mixed 14+ caseload: 10 + 10
        per_fte = sum(service.mix.mixed_per_fte.values())
    assert per_fte is not None
    return math.floor(per_fte * worker.fte * factor + 1e-9)


def case_holders(data: ProblemData) -> list[Worker]:
    return [w for w in data.workers if w.role.carries_cases]


def families(data: ProblemData) -> dict[str, list]:
    groups = defaultdict(list)
    for child in data.children:
        if child.family_id:
            groups[child.family_id].append(child)
    return groups


def test_same_seed_same_data(data):
    """A seed fully determines the data."""
    assert generate_authority(DEFAULT) == data
    assert generate_authority(DEFAULT, seed=7) == generate_authority(DEFAULT, seed=7)


def test_different_seeds_differ(data):
    """Another seed gives another authority."""
    other = generate_authority(DEFAULT, seed=1)
    assert other != data
    assert other.children != data.children


def test_size_near_the_targets(data):
    """Case-holding FTE and existing children are within 10% of the requested figures."""
    fte = sum(w.fte for w in case_holders(data))
    existing = sum(c.worker_id is not None for c in data.children)
    assert fte == pytest.approx(140.5, rel=0.10)
    assert existing == pytest.approx(140.5 * 17.9, rel=0.10)


def test_exactly_the_new_referrals_wait(data):
    """new_referrals children have no worker and were referred 1-30 days before as_of."""
    waiting = [c for c in data.children if c.worker_id is None]
    assert len(waiting) == 250
    assert all(c.referred_on is not None for c in waiting)
    assert all(timedelta(1) <= AS_OF - c.referred_on <= timedelta(30) for c in waiting)
    assert len({c.team_id for c in waiting}) == len(data.teams)  # spread across teams
    other = generate_authority(DEFAULT, new_referrals=17)
    assert sum(c.worker_id is None for c in other.children) == 17


def test_references_resolve(data):
    """Every team, worker and previous-worker reference resolves, ids are unique."""
    assert reference_problems(data) == []
    workers = {w.worker_id: w for w in data.workers}
    for child in data.children:
        if child.worker_id:
            assert workers[child.worker_id].team_id == child.team_id
            assert workers[child.worker_id].role.carries_cases
        if child.previous_worker_id:
            assert child.previous_worker_id != child.worker_id


def test_every_team_has_a_team_manager(data):
    """Each team's manager_id names a team_manager of that team with fte 1."""
    workers = {w.worker_id: w for w in data.workers}
    for team in data.teams:
        manager = workers[team.manager_id]
        assert manager.role is Role.TEAM_MANAGER
        assert manager.team_id == team.team_id
        assert manager.fte == 1
    assert sum(w.role is Role.TEAM_MANAGER for w in data.workers) == len(data.teams)


def test_one_head_of_service_per_service(data):
    """Every service with teams has one head of service, placed in its first team."""
    service_of = {t.team_id: t.service for t in data.teams}
    heads = [w for w in data.workers if w.role is Role.HEAD_OF_SERVICE]
    assert sorted(service_of[w.team_id] for w in heads) == sorted(set(service_of.values()))
    for head in heads:
        first = next(t for t in data.teams if t.service == service_of[head.team_id])
        assert head.team_id == first.team_id


def test_services_are_weighted_towards_children_in_need(data):
    """All of the policy's services get teams, children in need the most."""
    teams = Counter(t.service for t in data.teams)
    assert set(teams) == set(DEFAULT.services)
    assert teams.most_common(1)[0][0] == "cin"


def test_team_spans_mostly_5_to_6_with_exceptions(data):
    """Most teams hold 5-6 case-holding FTE; some sit at 4.5 or 7 to show span findings."""
    fte = Counter()
    for worker in case_holders(data):
        fte[worker.team_id] += worker.fte
    sizes = sorted(round(v, 1) for v in fte.values())
    assert 4.5 in sizes and 7.0 in sizes
    assert sum(5 <= s <= 6 for s in sizes) >= 0.75 * len(sizes)


def test_workforce_mix(data):
    """Part-time, ASYE, senior, non-accepting and individually capped workers all occur."""
    holders = case_holders(data)
    n = len(holders)
    part_time = [w for w in holders if w.fte < 1]
    asye = [w for w in holders if w.role is Role.ASYE]
    assert 0.10 <= len(part_time) / n <= 0.35
    assert 0.06 <= len(asye) / n <= 0.18
    assert all(0 <= months_served(w.asye_start, AS_OF) <= 11 for w in asye)
    assert any(w.role is Role.SENIOR_PRACTITIONER for w in holders)
    assert any(w.role is Role.ADVANCED_PRACTITIONER for w in holders)
    assert 1 <= sum(not w.accepting for w in holders) <= 0.12 * n
    assert any(w.max_children is not None for w in holders)
    assert {s for w in holders for s in w.skills} <= {
        "life_story",
        "dv",
        "contextual_safeguarding",
        "bsl",
        "court",
    }
    assert {w.locality for w in holders} == {"N", "S", "E", "W"}


def test_caseloads_are_uneven(data):
    """Some workers are above their count cap, some well below it."""
    held = Counter(c.worker_id for c in data.children if c.worker_id)
    ratios = [held[w.worker_id] / max(count_cap(w, data, DEFAULT), 1) for w in case_holders(data)]
    assert any(r > 1 for r in ratios)
    assert any(r < 0.7 for r in ratios)
    assert sum(r > 1 for r in ratios) < 0.5 * len(ratios)


def test_categories_follow_the_service(data):
    """Children in care teams hold cla; leaving care cla and care leavers; cin teams cin/cp."""
    service_of = {t.team_id: t.service for t in data.teams}
    by_service = defaultdict(set)
    for child in data.children:
        by_service[service_of[child.team_id]].add(child.category)
    assert by_service["cla"] == {"cla"}
    assert by_service["leaving_care"] == {"cla", "care_leaver"}
    assert by_service["cin"] == {"cin", "cp"}
    assert all(cats <= set(DEFAULT.weighting.category) for cats in by_service.values())


def test_child_attributes(data):
    """Levels 1-4, court about 8%, most children within 10 miles and ~10% over 20."""
    children = data.children
    n = len(children)
    assert {c.level for c in children} == {1, 2, 3, 4}
    assert 0.04 <= sum("court" in c.flags for c in children) / n <= 0.14
    assert sum(c.distance_miles < 10 for c in children) / n > 0.6
    assert 0.05 <= sum(c.distance_miles > 20 for c in children) / n <= 0.15
    assert all(c.referred_on < AS_OF for c in children)
    assert any(c.previous_worker_id for c in children)


def test_asye_workers_hold_no_excluded_work(data):
    """ASYE workers hold no child with a category or flag the policy excludes for them."""
    asye = {w.worker_id for w in data.workers if w.role is Role.ASYE}
    excluded = set(DEFAULT.asye.excluded)
    for child in data.children:
        if child.worker_id in asye:
            assert child.category not in excluded
            assert not child.flags & excluded


def test_sibling_groups(data):
    """About 35% of children have siblings, groups share a team, mostly one worker."""
    groups = families(data)
    in_groups = sum(len(g) for g in groups.values())
    assert 0.25 <= in_groups / len(data.children) <= 0.45
    assert all(len({c.team_id for c in g}) == 1 for g in groups.values())
    existing = [[c for c in g if c.worker_id] for g in groups.values()]
    existing = [g for g in existing if len(g) > 1]
    together = sum(len({c.worker_id for c in g}) == 1 for g in existing)
    assert 0.7 * len(existing) <= together < len(existing)  # mostly, not always


def test_new_and_mixed_sibling_groups(data):
    """Some sibling groups are entirely new, some new children join allocated siblings."""
    groups = families(data).values()
    all_new = [g for g in groups if all(c.worker_id is None for c in g)]
    mixed = [g for g in groups if len({c.worker_id is None for c in g}) == 2]
    assert all_new and mixed


def test_required_skills_only_some_workers_have(data):
    """A few new children need a skill that some, not all, accepting workers of the team have."""
    needing = [c for c in data.children if c.required_skill]
    assert needing
    for child in needing:
        assert child.worker_id is None
        team = [w for w in case_holders(data) if w.team_id == child.team_id and w.accepting]
        having = [w for w in team if child.required_skill in w.skills]
        assert 0 < len(having) < len(team)


def test_ids_are_pseudonymous(data):
    """Identifiers follow T01 / W001 / C00001 / F0001 and no worker has a name."""
    assert data.teams[0].team_id == "T01"
    assert data.workers[0].worker_id == "W001"
    assert data.children[0].child_id == "C00001"
    assert all(f.startswith("F") and len(f) == 5 for f in families(data))
    assert all(w.name is None for w in data.workers)


def test_two_authorities_double_the_size(data):
    """authorities=2 gives twice the teams, workers and children, with prefixed unique ids."""
    two = generate_authority(DEFAULT, authorities=2)
    assert len(two.teams) == pytest.approx(2 * len(data.teams), abs=2)
    assert len(two.workers) == pytest.approx(2 * len(data.workers), rel=0.05)
    assert len(two.children) == 2 * len(data.children)
    assert sum(c.worker_id is None for c in two.children) == 500
    assert reference_problems(two) == []
    assert {t.team_id[:4] for t in two.teams} == {"A01-", "A02-"}
    assert two.children[-1].child_id.startswith("A02-C")
    assert all(c.family_id[:4] == c.child_id[:4] for c in two.children if c.family_id)
    # The first authority is the single one, renamed.
    first = [w for w in two.workers if w.worker_id.startswith("A01-")]
    assert [w.worker_id[4:] for w in first] == [w.worker_id for w in data.workers]


@pytest.mark.parametrize("preset", PRESETS)
def test_every_preset_gives_valid_data(preset):
    """Each shipped policy's services and categories give valid data."""
    policy = load_policy(preset)
    made = generate_authority(policy, case_holding_fte=40, new_referrals=30)
    assert {t.service for t in made.teams} <= set(policy.services)
    assert {c.category for c in made.children} <= set(policy.weighting.category)
    assert sum(c.worker_id is None for c in made.children) == 30


def test_service_kind_reads_keys_and_labels():
    """Service keys and labels of real policies map to the right kind of team."""
    assert service_kind("duty_assessment") == "assessment"
    assert service_kind("first_response") == "assessment"
    assert service_kind("intervention_planning") == "cin"
    assert service_kind("children_in_care") == "cla"
    assert service_kind("adoption_fostering") == "permanence"
    assert service_kind("cp") == "cp"
    assert service_kind("team_b", "Children in Need") == "cin"
    assert service_kind("npap") == "other"


def test_small_authority_and_no_referrals():
    """A tiny authority with no referrals still has a team, a manager and its children."""
    tiny = generate_authority(DEFAULT, case_holding_fte=3, caseload_per_fte=10, new_referrals=0)
    assert len(tiny.teams) == 1
    assert sum(w.fte for w in case_holders(tiny)) == pytest.approx(3)
    assert len(tiny.children) == 30
    assert all(c.worker_id for c in tiny.children)


def test_bad_arguments_are_refused():
    """Non-positive sizes or counts raise a ValueError."""
    for kwargs in ({"case_holding_fte": 0}, {"new_referrals": -1}, {"authorities": 0}):
        with pytest.raises(ValueError):
            generate_authority(DEFAULT, **kwargs)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10**6),
    fte=st.floats(0.5, 60),
    per_fte=st.floats(0, 25),
    referrals=st.integers(0, 60),
    authorities=st.integers(1, 2),
)
def test_any_size_gives_valid_data(seed, fte, per_fte, referrals, authorities):
    """Any seed and size gives valid data with the requested FTE, children and referrals."""
    made = generate_authority(
        DEFAULT,
        seed=seed,
        case_holding_fte=fte,
        caseload_per_fte=per_fte,
        new_referrals=referrals,
        authorities=authorities,
    )
    assert reference_problems(made) == []
    fte_made = sum(w.fte for w in case_holders(made))
    # The generator counts FTE in tenths as round(fte * 10) (2.15 -> 22 tenths).
    assert fte_made == pytest.approx(authorities * round(fte * 10) / 10, abs=0.1 * authorities)
    waiting = sum(c.worker_id is None for c in made.children)
    assert waiting == authorities * referrals
    assert len(made.children) - waiting == authorities * round(fte * per_fte)
    assert all(t.manager_id for t in made.teams)


@needs_dfe
def test_dfe_profile_stockton_2024():
    """Stockton-on-Tees 2024: 140.5 case-holding FTE and 2,516 cases (17.9 each)."""
    profile = dfe_profile("Stockton-on-Tees", 2024)
    assert profile["case_holders_fte"] == 140.5
    assert profile["cases"] == 2516
    assert profile["caseload_fte"] == 17.9
    assert profile["time_period"] == 2024
    assert dfe_profile("stockton-on-tees ", 2024) == profile


@needs_dfe
def test_dfe_profile_national_and_errors():
    """England's row reads too; unknown areas and years name what exists."""
    assert dfe_profile("England", 2025)["caseload_fte"] == 15.2
    with pytest.raises(ValueError, match="did you mean 'Stockton-on-Tees'"):
        dfe_profile("Stockton on Tees", 2024)
    with pytest.raises(ValueError, match="years: 2017"):
        dfe_profile("Stockton-on-Tees", 2016)


@needs_dfe
def test_profile_figures_drive_the_generator():
    """An authority built from its DfE row has its case-holding FTE and caseload."""
    profile = dfe_profile("Stockton-on-Tees", 2025)
    made = generate_authority(
        DEFAULT,
        case_holding_fte=profile["case_holders_fte"],
        caseload_per_fte=profile["caseload_fte"],
    )
    assert sum(w.fte for w in case_holders(made)) == pytest.approx(134.1)
    existing = sum(c.worker_id is not None for c in made.children)
    assert existing == pytest.approx(profile["cases"], rel=0.02)


def test_dfe_profile_treats_suppressed_codes_as_missing(tmp_path):
    """c, x, z, u and k read as None; cases and headcounts as int, rates as float."""
    csv_path = tmp_path / "dfe.csv"
    csv_path.write_text(
        "time_period,geographic_level,country_name,region_name,la_name,inpost_fte,"
        "inpost_headcount,case_holders_fte,cases,caseload_fte,agency_rate_fte,absence_rate_fte\n"
        "2024,Local authority,England,North East,Testshire,10.5,12,8,120,15,x,c\n"
        "2023,Local authority,England,North East,Testshire,z,u,k,,15,3.5,1\n",
        encoding="utf-8-sig",
    )
    profile = dfe_profile("Testshire", 2024, path=csv_path)
    assert profile["inpost_headcount"] == 12 and profile["cases"] == 120
    assert profile["case_holders_fte"] == 8.0 and isinstance(profile["case_holders_fte"], float)
    assert profile["agency_rate_fte"] is None and profile["absence_rate_fte"] is None
    older = dfe_profile("Testshire", 2023, path=csv_path)
    assert older["inpost_fte"] is None and older["cases"] is None
    assert older["case_holders_fte"] is None and older["agency_rate_fte"] == 3.5


def test_dfe_profile_missing_file(tmp_path):
    """A missing CSV raises FileNotFoundError naming the path."""
    with pytest.raises(FileNotFoundError, match=r"absent\.csv"):
        dfe_profile("Stockton-on-Tees", 2024, path=tmp_path / "absent.csv")


def test_generator_reads_no_file(monkeypatch):
    """generate_authority needs no file (the package works without ../shared)."""

    def refuse(*args, **kwargs):
        raise AssertionError("generate_authority opened a file")

    monkeypatch.setattr("builtins.open", refuse)
    monkeypatch.setattr(Path, "open", refuse)
    assert len(generate_authority(DEFAULT, case_holding_fte=10).teams) == 2


def test_default_has_the_stockton_shape(data):
    """The default authority has Stockton's 2024 shape: 2,516 children with the 250 new."""
    assert 20 <= len(data.teams) <= 30
    assert 160 <= len(data.workers) <= 210
    assert abs(len(data.children) - 2516) <= 2
