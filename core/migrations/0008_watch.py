from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('kembar', '0007_notify')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ExpiryReminder',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('partnership', fields.ForeignKeyField('kembar.Partnership', source_field='partnership_id', db_constraint=True, to_field='id', related_name='expiry_reminders', on_delete=OnDelete.CASCADE)),
                ('valid_until', fields.DateField()),
                ('months_before', fields.SmallIntField()),
                ('sent_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'expiry_reminder', 'app': 'kembar', 'unique_together': (('partnership', 'valid_until', 'months_before'),), 'pk_attr': 'id', 'table_description': "One reminder sent for one agreement term (a renewal's new end date gets its own)."},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Partnership',
            name='dormant_since',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]
