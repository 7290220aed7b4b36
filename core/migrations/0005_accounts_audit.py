from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from core.policy import Role
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('kembar', '0004_outbox_notify_open_evaluation')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Account',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('email', fields.CharField(unique=True, max_length=254)),
                ('name', fields.CharField(default='', max_length=200)),
                ('role', fields.CharEnumField(description='ADMIN: admin\nOFFICER: officer\nVIEWER: viewer', enum_type=Role, max_length=16)),
                ('active', fields.BooleanField(default=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'account', 'app': 'kembar', 'pk_attr': 'id', 'table_description': 'Someone (or some system) that calls the API: a role, and regions when an officer.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AccountRegion',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account', fields.ForeignKeyField('kembar.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='region_links', on_delete=OnDelete.CASCADE)),
                ('region', fields.ForeignKeyField('kembar.City', source_field='region_id', db_constraint=True, to_field='id', related_name='officer_links', on_delete=OnDelete.RESTRICT)),
            ],
            options={'table': 'account_region', 'app': 'kembar', 'unique_together': (('account', 'region'),), 'pk_attr': 'id', 'table_description': 'One Indonesian region an officer manages (and every region inside it).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ApiToken',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account', fields.ForeignKeyField('kembar.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='tokens', on_delete=OnDelete.CASCADE)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('prefix', fields.CharField(max_length=16)),
                ('name', fields.CharField(default='', max_length=200)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('created_by', fields.CharField(max_length=200)),
                ('expires_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'api_token', 'app': 'kembar', 'pk_attr': 'id', 'table_description': 'A bearer token. Only its SHA-256 is kept: the token itself is shown once, at creation.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AuditEntry',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('actor', fields.CharField(db_index=True, max_length=200)),
                ('action', fields.CharField(max_length=64)),
                ('entity_type', fields.CharField(max_length=32)),
                ('entity_id', fields.CharField(max_length=64)),
                ('before', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('after', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('correlation_id', fields.CharField(max_length=64)),
            ],
            options={'table': 'audit_entry', 'app': 'kembar', 'indexes': [Index(fields=['entity_type', 'entity_id'])], 'pk_attr': 'id', 'table_description': "Who changed what, when, with the entity's state before and after (secrets left out)."},
            bases=['Model'],
        ),
    ]
