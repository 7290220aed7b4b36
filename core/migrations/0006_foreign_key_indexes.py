from tortoise import migrations
from tortoise.migrations import operations as ops

# PostgreSQL does not index foreign-key columns by itself; every DataLoader and filter reads by
# them (WHERE partnership_id IN (...)), and SQLite checks them on every delete. Plain SQL that
# both accept.
INDEXES = {
    "idx_city_parent": "city (parent_id)",
    "idx_city_country": "city (country_id)",
    "idx_partnership_indonesian": "partnership (indonesian_region_id)",
    "idx_partnership_foreign": "partnership (foreign_region_id)",
    "idx_stage_change_partnership": "stage_change (partnership_id)",
    "idx_document_partnership": "document (partnership_id, round)",
    "idx_approval_partnership": "approval (partnership_id, round)",
    "idx_program_partnership": "program (partnership_id)",
    "idx_activity_program": "activity (program_id)",
}


class Migration(migrations.Migration):
    dependencies = [("kembar", "0005_accounts_audit")]

    operations = [
        ops.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {name} ON {target}",
            reverse_sql=f"DROP INDEX IF EXISTS {name}",
        )
        for name, target in INDEXES.items()
    ]
