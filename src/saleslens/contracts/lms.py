"""Training (LMS): courses, who must take them, who completed them, and assessment scores.

The LMS names its exports LMS-<Object>-YYYYMMDD.csv; timestamps are local time YYYY-MM-DD HH:MM:SS.
"""
from __future__ import annotations

from saleslens.contracts.model import Column, Dataset, ForeignKey

COURSE = r"CRS\d{4}"
EMPLOYEE = r"E\d{6}"
CATEGORIES = ("INDUCTION", "PRODUCT", "COMPLIANCE", "SELLING_SKILLS")

COURSES = Dataset(
    source="lms",
    name="courses",
    description="Course catalogue: category, brand for product courses, mandatory flag and pass score.",
    columns=(
        Column("course_id", "string", "Course id", pattern=COURSE),
        Column("course_title", "string", "Title"),
        Column("category", "string", "INDUCTION, PRODUCT, COMPLIANCE or SELLING_SKILLS", allowed=CATEGORIES),
        Column("brand_code", "string", "Brand of a product course", nullable=True, pattern=r"B\d{4}"),
        Column("is_mandatory", "boolean", "Completion is mandatory for those assigned"),
        Column("pass_score", "int64", "Assessment score needed to pass (0: no assessment)", min=0, max=100),
        Column("duration_minutes", "int64", "Nominal length", min=1, max=600),
    ),
    key=("course_id",),
    file_pattern="LMS-Courses-{dt:%Y%m%d}.csv",
    foreign_keys=(ForeignKey("brand_code", "erp_products", "brand_code"),),
    kind="master",
)

ASSIGNMENTS = Dataset(
    source="lms",
    name="assignments",
    description="Course assignments: who must take which course, from when, by when.",
    columns=(
        Column("employee_id", "string", "Employee assigned", pattern=EMPLOYEE),
        Column("course_id", "string", "Course", pattern=COURSE),
        Column("assigned_on", "date", "Day the course was assigned"),
        Column("due_on", "date", "Day it is due"),
    ),
    key=("employee_id", "course_id", "assigned_on"),
    file_pattern="LMS-Assignments-{dt:%Y%m%d}.csv",
    backfill_file_pattern="LMS-Assignments-History-{dt:%Y%m}.csv",
    foreign_keys=(
        ForeignKey("employee_id", "hr_employees", "employee_id"),
        ForeignKey("course_id", "lms_courses", "course_id"),
    ),
)

COMPLETIONS = Dataset(
    source="lms",
    name="completions",
    description="Course completions, one per completed assignment.",
    columns=(
        Column("employee_id", "string", "Employee", pattern=EMPLOYEE),
        Column("course_id", "string", "Course", pattern=COURSE),
        Column("assigned_on", "date", "Day of the assignment completed"),
        Column("completed_at", "timestamp", "Local time the course was completed"),
        Column("time_spent_minutes", "int64", "Minutes spent in the course", min=0, max=6000),
    ),
    key=("employee_id", "course_id", "assigned_on"),
    file_pattern="LMS-Completions-{dt:%Y%m%d}.csv",
    backfill_file_pattern="LMS-Completions-History-{dt:%Y%m}.csv",
    foreign_keys=(
        ForeignKey("employee_id", "hr_employees", "employee_id"),
        ForeignKey("course_id", "lms_courses", "course_id"),
    ),
)

ASSESSMENTS = Dataset(
    source="lms",
    name="assessments",
    description="Assessment attempts with score and pass/fail.",
    columns=(
        Column("employee_id", "string", "Employee", pattern=EMPLOYEE),
        Column("course_id", "string", "Course", pattern=COURSE),
        Column("assigned_on", "date", "Day of the assignment the attempt belongs to"),
        Column("attempt_no", "int64", "Attempt number", min=1, max=20),
        Column("attempted_at", "timestamp", "Local time the attempt was submitted"),
        Column("score", "int64", "Score out of 100", min=0, max=100),
        Column("passed", "boolean", "Score reached the course's pass score"),
    ),
    key=("employee_id", "course_id", "assigned_on", "attempt_no"),
    file_pattern="LMS-Assessments-{dt:%Y%m%d}.csv",
    backfill_file_pattern="LMS-Assessments-History-{dt:%Y%m}.csv",
    foreign_keys=(
        ForeignKey("employee_id", "hr_employees", "employee_id"),
        ForeignKey("course_id", "lms_courses", "course_id"),
    ),
)
