"""The review stage's audit rows are append-only, and a submitted review is locked, at the database level."""

from django.db import migrations

GUARD = """
CREATE OR REPLACE FUNCTION reviews_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% rows are append-only (% refused)', TG_TABLE_NAME, TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER reviews_reviewevent_append_only
    BEFORE UPDATE OR DELETE ON reviews_reviewevent
    FOR EACH ROW EXECUTE FUNCTION reviews_append_only();
CREATE TRIGGER reviews_rankmove_append_only
    BEFORE UPDATE OR DELETE ON reviews_rankmove
    FOR EACH ROW EXECUTE FUNCTION reviews_append_only();

CREATE OR REPLACE FUNCTION reviews_submitted_review_locked() RETURNS trigger AS $$
BEGIN
    IF OLD.status = 'submitted' THEN
        RAISE EXCEPTION 'a submitted review is locked (% refused); amend it with a new version', TG_OP;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER reviews_review_submitted_locked
    BEFORE UPDATE OR DELETE ON reviews_review
    FOR EACH ROW EXECUTE FUNCTION reviews_submitted_review_locked();
"""

GUARD_REVERSE = """
DROP TRIGGER IF EXISTS reviews_review_submitted_locked ON reviews_review;
DROP FUNCTION IF EXISTS reviews_submitted_review_locked();
DROP TRIGGER IF EXISTS reviews_rankmove_append_only ON reviews_rankmove;
DROP TRIGGER IF EXISTS reviews_reviewevent_append_only ON reviews_reviewevent;
DROP FUNCTION IF EXISTS reviews_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("reviews", "0001_initial")]

    operations = [migrations.RunSQL(GUARD, GUARD_REVERSE)]
