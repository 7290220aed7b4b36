from tortoise import migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    """One live partnership per pair of regions (a partial unique index: PostgreSQL and SQLite)."""

    dependencies = [("kembar", "0001_initial")]

    operations = [
        ops.RunSQL(
            "CREATE UNIQUE INDEX uniq_partnership_live_pair ON partnership "
            "(indonesian_region_id, foreign_region_id) "
            "WHERE status IN ('in_preparation', 'active')",
            reverse_sql="DROP INDEX uniq_partnership_live_pair",
        ),
        ops.RunSQL(
            "CREATE INDEX idx_outbox_unsent ON outbox_event (seq) WHERE sent_at IS NULL",
            reverse_sql="DROP INDEX idx_outbox_unsent",
        ),
    ]
