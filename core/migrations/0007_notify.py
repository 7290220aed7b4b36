from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from core.models.delivery import Channel, DeliveryStatus
from core.models.subscriber import Locale, TopicKind
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields

# foreign keys read by loaders and filters; the sweep reads pending rows by due time
INDEXES = {
    "idx_subscriber_owner": "subscriber (owner_id)",
    "idx_subscriber_topic": "subscriber (topic_kind)",
    "idx_delivery_subscriber": "delivery (subscriber_id, id)",
    "idx_delivery_due": "delivery (status, next_attempt_at)",
    "idx_delivery_attempt_delivery": "delivery_attempt (delivery_id)",
}


class Migration(migrations.Migration):
    dependencies = [('kembar', '0006_foreign_key_indexes')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Subscriber',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('owner', fields.ForeignKeyField('kembar.Account', source_field='owner_id', null=True, db_constraint=True, to_field='id', related_name='subscribers', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=200)),
                ('locale', fields.CharEnumField(default=Locale.ID, description='ID: id\nEN: en', enum_type=Locale, max_length=2)),
                ('email', fields.CharField(null=True, max_length=254)),
                ('email_enabled', fields.BooleanField(default=False)),
                ('webhook_url', fields.CharField(null=True, max_length=2000)),
                ('webhook_secret', fields.CharField(null=True, max_length=64)),
                ('webhook_enabled', fields.BooleanField(default=False)),
                ('webhook_disabled_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('webhook_disabled_reason', fields.CharField(null=True, max_length=500)),
                ('failing_since', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('in_app_enabled', fields.BooleanField(default=False)),
                ('topic_kind', fields.CharEnumField(description='PARTNERSHIP: partnership\nREGION: region\nCOUNTRY: country\nALL: all', enum_type=TopicKind, max_length=16)),
                ('partnership', fields.ForeignKeyField('kembar.Partnership', source_field='partnership_id', null=True, db_constraint=True, to_field='id', related_name='subscribers', on_delete=OnDelete.RESTRICT)),
                ('region', fields.ForeignKeyField('kembar.City', source_field='region_id', null=True, db_constraint=True, to_field='id', related_name='subscribers', on_delete=OnDelete.RESTRICT)),
                ('country', fields.ForeignKeyField('kembar.Country', source_field='country_id', null=True, db_constraint=True, to_field='code', related_name='subscribers', on_delete=OnDelete.RESTRICT)),
                ('event_types', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('version', fields.IntField(default=1)),
            ],
            options={'table': 'subscriber', 'app': 'kembar', 'pk_attr': 'id', 'table_description': 'Someone or some system told of the events of its topic, on each channel it has enabled.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Delivery',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('event_id', fields.UUIDField()),
                ('event_type', fields.CharField(max_length=64)),
                ('subscriber', fields.ForeignKeyField('kembar.Subscriber', source_field='subscriber_id', db_constraint=True, to_field='id', related_name='deliveries', on_delete=OnDelete.CASCADE)),
                ('channel', fields.CharEnumField(description='EMAIL: email\nWEBHOOK: webhook\nIN_APP: in_app', enum_type=Channel, max_length=8)),
                ('status', fields.CharEnumField(default=DeliveryStatus.PENDING, description='PENDING: pending\nDELIVERED: delivered\nFAILED: failed\nREFUSED: refused\nSKIPPED: skipped', enum_type=DeliveryStatus, max_length=12)),
                ('attempts', fields.IntField(default=0)),
                ('next_attempt_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('enqueued_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('delivered_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_error', fields.TextField(null=True, unique=False)),
                ('envelope', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('correlation_id', fields.CharField(default='', max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'delivery', 'app': 'kembar', 'unique_together': (('event_id', 'subscriber', 'channel'),), 'pk_attr': 'id', 'table_description': 'One event to one subscriber on one channel. UNIQUE(event_id, subscriber, channel).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='DeliveryAttempt',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('delivery', fields.ForeignKeyField('kembar.Delivery', source_field='delivery_id', db_constraint=True, to_field='id', related_name='attempt_rows', on_delete=OnDelete.CASCADE)),
                ('attempted_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('status_code', fields.IntField(null=True)),
                ('duration_ms', fields.IntField(default=0)),
                ('error', fields.TextField(null=True, unique=False)),
                ('correlation_id', fields.CharField(default='', max_length=64)),
            ],
            options={'table': 'delivery_attempt', 'app': 'kembar', 'pk_attr': 'id', 'table_description': 'One try of a delivery: when, the HTTP status (if any), how long, what went wrong.'},
            bases=['Model'],
        ),
        ] + [
        ops.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {name} ON {target}",
            reverse_sql=f"DROP INDEX IF EXISTS {name}",
        )
        for name, target in INDEXES.items()
    ]
