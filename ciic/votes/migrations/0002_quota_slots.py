from django.db import migrations, models


def number_slots(apps, schema_editor):
    """Votes cast before the slots: numbered by the order they were cast in, per number and day."""
    Vote = apps.get_model("votes", "Vote")
    daily, per_project = {}, {}
    for vote in Vote.objects.order_by("id").only("id", "voter_id", "day", "project_id"):
        day = (vote.voter_id, vote.day)
        project = (vote.voter_id, vote.day, vote.project_id)
        daily[day] = daily.get(day, 0) + 1
        per_project[project] = per_project.get(project, 0) + 1
        Vote.objects.filter(pk=vote.pk).update(daily_slot=daily[day], project_slot=per_project[project])


class Migration(migrations.Migration):

    dependencies = [
        ("votes", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="vote",
            name="daily_slot",
            field=models.PositiveSmallIntegerField(default=0),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="vote",
            name="project_slot",
            field=models.PositiveSmallIntegerField(default=0),
            preserve_default=False,
        ),
        migrations.RunPython(number_slots, migrations.RunPython.noop),
        migrations.RemoveIndex(
            model_name="vote",
            name="vote_voter_day",
        ),
        migrations.AddConstraint(
            model_name="vote",
            constraint=models.UniqueConstraint(fields=("voter", "day", "daily_slot"), name="vote_daily_slot_once"),
        ),
        migrations.AddConstraint(
            model_name="vote",
            constraint=models.UniqueConstraint(fields=("voter", "day", "project", "project_slot"),
                                               name="vote_project_slot_once"),
        ),
    ]
