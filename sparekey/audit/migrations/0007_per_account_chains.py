"""Split the audit chain: one chain per account, and the workspace chain.

The events recorded so far stay exactly as they are and become the start of the workspace
chain: ``chain`` "" and ``chain_seq`` = ``seq`` (the old chain was numbered without gaps), with
``mac_version`` 1, their MACs untouched. The old head row (pk 1) becomes the workspace chain's
head, and its ``head_mac`` still checks, since the workspace chain keeps the old head format.

Why not re-chain them under the new scheme instead? Recomputing every MAC would need the master
key while migrating, and would launder any tampering done before the upgrade: an edited event
would come out with a fresh, valid MAC. Kept as they are, `sparekey audit verify` checks them
with the old rule, as a verified prefix of the workspace chain, and new events continue it.

On PostgreSQL the workspace-wide ``seq`` of new events is drawn from the ``id`` column's
sequence (see ``sparekey.audit.chain``), so it is moved past every ``seq`` used so far. The head
table's own id sequence is moved past pk 1 too: the single head was always written as pk 1
explicitly, so that sequence never moved, and the first account's head would take id 1 again.
"""

from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps
from django.db.models import F


def keep_the_old_chain_as_the_workspace_prefix(
    apps: StateApps, schema_editor: BaseDatabaseSchemaEditor
) -> None:
    AuditEvent = apps.get_model("audit", "AuditEvent")
    AuditEvent.objects.update(chain="", chain_seq=F("seq"), mac_version=1)
    if schema_editor.connection.vendor == "postgresql":
        events = AuditEvent._meta.db_table
        heads = apps.get_model("audit", "ChainHead")._meta.db_table
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{events}', 'id'), "  # noqa: S608
                f"GREATEST((SELECT MAX(id) FROM {events}), (SELECT MAX(seq) FROM {events}), 1))"
            )
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{heads}', 'id'), "  # noqa: S608
                f"GREATEST((SELECT MAX(id) FROM {heads}), 1))"
            )


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0006_action_without_choices"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="chain",
            field=models.CharField(blank=True, default="", max_length=36),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="chain_seq",
            field=models.BigIntegerField(null=True),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="mac_version",
            field=models.PositiveSmallIntegerField(default=2),
        ),
        migrations.AddField(
            model_name="chainhead",
            name="chain",
            field=models.CharField(default="", max_length=36, unique=True),
        ),
        migrations.RunPython(keep_the_old_chain_as_the_workspace_prefix, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="auditevent",
            name="chain_seq",
            field=models.BigIntegerField(),
        ),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.UniqueConstraint(
                fields=("chain", "chain_seq"), name="audit_event_chain_place"
            ),
        ),
    ]
