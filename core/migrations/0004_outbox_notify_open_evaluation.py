from tortoise import migrations
from tortoise.migrations import operations as ops

# PostgreSQL only: wake the relays when outbox rows commit (NOTIFY is delivered at commit, so a
# listener never sees an event before its transaction is visible). One notification per statement;
# identical notifications in one transaction are folded into one by PostgreSQL.
_NOTIFY = """
CREATE OR REPLACE FUNCTION kembar_outbox_notify() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('kembar_outbox', '');
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER outbox_event_notify AFTER INSERT ON outbox_event
    FOR EACH STATEMENT EXECUTE FUNCTION kembar_outbox_notify();
"""
_UNNOTIFY = """
DROP TRIGGER IF EXISTS outbox_event_notify ON outbox_event;
DROP FUNCTION IF EXISTS kembar_outbox_notify();
"""


async def _notify_trigger(apps: object, schema_editor: object) -> None:
    if getattr(schema_editor, "DIALECT", "") == "postgres":
        await schema_editor.client.execute_script(_NOTIFY)  # type: ignore[attr-defined]


async def _drop_notify_trigger(apps: object, schema_editor: object) -> None:
    if getattr(schema_editor, "DIALECT", "") == "postgres":
        await schema_editor.client.execute_script(_UNNOTIFY)  # type: ignore[attr-defined]


class Migration(migrations.Migration):
    """At most one open evaluation per partnership; relays woken by NOTIFY on PostgreSQL."""

    dependencies = [("kembar", "0003_evaluations")]

    operations = [
        ops.RunSQL(
            "CREATE UNIQUE INDEX uniq_evaluation_open ON evaluation (partnership_id) "
            "WHERE closed_at IS NULL",
            reverse_sql="DROP INDEX uniq_evaluation_open",
        ),
        ops.RunPython(_notify_trigger, _drop_notify_trigger),
    ]
