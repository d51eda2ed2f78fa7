"""Database guards of the ledger: an append-only journal and counters that change only through the write path.

``ledger.services.transfers_create`` runs ``set_config('ledger.write_path', 'transfers_create', true)`` (local to
its transaction) before it inserts transfers and updates counters. Outside such a transaction:

- any UPDATE or DELETE of ``ledger_transfer`` fails (always, also inside the write path);
- INSERT into ``ledger_transfer`` fails;
- an INSERT of an account with non-zero counters, or an UPDATE that changes a counter, fails.

The table owner (and a superuser) can still drop these triggers or set the variable by hand; that is as far as
PostgreSQL lets a schema protect itself from its owner. Deployments that want more run the web and worker
processes as a role that does not own the tables, with for example::

    REVOKE UPDATE, DELETE, TRUNCATE ON ledger_transfer FROM portal_app;
    REVOKE UPDATE (debits_pending, debits_posted, credits_pending, credits_posted) ON ledger_account FROM portal_app;

(the second line only if that role does not run ``transfers_create``, e.g. a read-only reporting role).
"""

from django.db import migrations

FORWARD = r"""
CREATE FUNCTION ledger_transfer_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger transfers are immutable: % refused (record a reversing transfer instead)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER ledger_transfer_immutable
    BEFORE UPDATE OR DELETE ON ledger_transfer
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_transfer_refuse_change();

CREATE FUNCTION ledger_require_write_path() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(current_setting('ledger.write_path', true), '') <> 'transfers_create' THEN
        RAISE EXCEPTION 'ledger transfers are written only by ledger.services.transfers_create'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER ledger_transfer_write_path
    BEFORE INSERT ON ledger_transfer
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_require_write_path();

CREATE FUNCTION ledger_account_guard_counters() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.debits_pending <> 0 OR NEW.debits_posted <> 0
           OR NEW.credits_pending <> 0 OR NEW.credits_posted <> 0 THEN
            RAISE EXCEPTION 'a new ledger account starts with zero counters'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
    ELSIF NEW.debits_pending IS DISTINCT FROM OLD.debits_pending
       OR NEW.debits_posted IS DISTINCT FROM OLD.debits_posted
       OR NEW.credits_pending IS DISTINCT FROM OLD.credits_pending
       OR NEW.credits_posted IS DISTINCT FROM OLD.credits_posted
       OR NEW.ledger_id IS DISTINCT FROM OLD.ledger_id THEN
        RAISE EXCEPTION 'ledger account counters change only through ledger.services.transfers_create'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$;

-- The WHEN clause is evaluated without calling the function, so the write path's bulk UPDATE stays cheap.
CREATE TRIGGER ledger_account_counters_guard
    BEFORE INSERT OR UPDATE ON ledger_account
    FOR EACH ROW
    WHEN (coalesce(current_setting('ledger.write_path', true), '') <> 'transfers_create')
    EXECUTE FUNCTION ledger_account_guard_counters();
"""

REVERSE = r"""
DROP TRIGGER ledger_account_counters_guard ON ledger_account;
DROP FUNCTION ledger_account_guard_counters();
DROP TRIGGER ledger_transfer_write_path ON ledger_transfer;
DROP FUNCTION ledger_require_write_path();
DROP TRIGGER ledger_transfer_immutable ON ledger_transfer;
DROP FUNCTION ledger_transfer_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, reverse_sql=REVERSE)]
