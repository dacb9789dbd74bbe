"""Reserve cadres (村级后备力量) for the village "two committees" elections."""
from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import Column, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import relationship

from .. import choices
from .base import Record, Recyclable
from .reference import Cadre, Village


class ReserveCandidate(Record, Recyclable, Model):
    """后备力量: a reserve candidate of a village."""

    __tablename__ = "va_reserve_candidate"
    __label__ = _l("Reserve candidate")
    __field_labels__ = {"name": _l("Full name")}  # a person's name, as the screens say it
    __record_code__ = "HB"  # its export's 记录编号: HB-<id> (the ID number is optional)
    __table_args__ = (
        UniqueConstraint("village_id", "id_number", name="uq_va_candidate_village_id_number"),
    )
    __unique_messages__ = {
        "uq_va_candidate_village_id_number": _l("This person is already a candidate in this village."),
    }
    id = Column(Integer, primary_key=True)
    village_id = Column(Integer, ForeignKey("va_village.id"), nullable=False, index=True)
    village = relationship(Village, lazy="joined", innerjoin=True)
    name = Column(String(50), nullable=False, index=True)
    gender = Column(String(10), nullable=False, info={"choices": choices.GENDERS})
    ethnicity = Column(String(20), info={"choices": choices.ETHNICITIES})
    id_number = Column(String(18), index=True)
    birth_date = Column(Date, index=True)
    education = Column(String(20), nullable=False, index=True, info={"choices": choices.EDUCATION})
    political_status = Column(String(20), nullable=False, index=True, info={"choices": choices.POLITICAL_STATUSES})
    party_join_date = Column(Date)
    background = Column(String(30), nullable=False, index=True, info={"choices": choices.BACKGROUNDS})
    phone = Column(String(30))
    target_post = Column(String(20), nullable=False, index=True, info={"choices": choices.TARGET_POSTS})
    mentor_id = Column(Integer, ForeignKey("va_cadre.id"), index=True)
    mentor = relationship(Cadre, lazy="joined")
    measures = Column(Text)
    status = Column(
        String(20), nullable=False, default="identified", index=True,
        info={"choices": choices.CANDIDATE_STATUSES},
    )
    elected_post = Column(String(20), info={"choices": choices.TARGET_POSTS})
    elected_date = Column(Date)
    notes = Column(Text)

    def __str__(self):
        return self.name

    def eligibility(self):
        """"Eligible", or the unmet rules, in the user's language."""
        from ..eligibility import describe

        return describe(self)

    def eligibility_issues(self):
        from ..eligibility import issues

        return issues(self)

