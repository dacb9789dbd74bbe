"""Coded values stored in the database, with their labels in the user's language.

The database stores the code (stable, language-neutral); screens, exports
and the API show the label.
"""
from flask_babel import lazy_gettext as _l


class Choices:
    """An ordered set of (code, label) pairs."""

    def __init__(self, *pairs):
        self.pairs = tuple(pairs)
        self._labels = dict(pairs)

    def __iter__(self):
        return iter(self.pairs)

    def __contains__(self, code):
        return code in self._labels

    @property
    def codes(self):
        return [code for code, _label in self.pairs]

    def label(self, code):
        """The label of a code; an unknown code is shown as it is."""
        if code is None:
            return ""
        return str(self._labels.get(code, code))


TOWN_KINDS = Choices(
    ("town", _l("Town")),
    ("township", _l("Township")),
    ("farm", _l("State farm")),
    ("subdistrict", _l("Subdistrict")),
)

UNIT_CATEGORIES = Choices(
    ("party", _l("Party organ")),
    ("government", _l("Government department")),
    ("institution", _l("Public institution")),
    ("enterprise", _l("State-owned enterprise")),
    ("other", _l("Other")),
)

POVERTY_STATUSES = Choices(
    ("poor", _l("Poor village")),
    ("non_poor", _l("Non-poor village")),
)

GENDERS = Choices(
    ("male", _l("Male")),
    ("female", _l("Female")),
)

CADRE_KINDS = Choices(
    ("resident", _l("Resident cadre")),
    ("village", _l("Village cadre")),
)

# Posts by kind: a resident cadre is in a work team, a village cadre in the
# village "two committees".
RESIDENT_POSTS = Choices(
    ("team_leader", _l("Team leader")),
    ("first_secretary", _l("First secretary")),
    ("team_member", _l("Team member")),
)
VILLAGE_POSTS = Choices(
    ("secretary", _l("Party branch secretary")),
    ("director", _l("Village committee director")),
    ("secretary_director", _l("Secretary and director")),
    ("committee_member", _l("Committee member")),
)
CADRE_POSTS = Choices(*(RESIDENT_POSTS.pairs + VILLAGE_POSTS.pairs))
POSTS_BY_KIND = {"resident": RESIDENT_POSTS, "village": VILLAGE_POSTS}

CADRE_STATUSES = Choices(
    ("active", _l("On duty")),
    ("left", _l("Left post")),
)

AUDIENCES = Choices(
    ("resident", _l("Resident cadres")),
    ("village", _l("Village cadres")),
    ("both", _l("Resident and village cadres")),
)

ATTENDANCE_STATUSES = Choices(
    ("enrolled", _l("Enrolled")),
    ("attended", _l("Attended")),
    ("absent", _l("Absent")),
    ("excused", _l("Excused")),
)
