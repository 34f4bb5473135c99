
import django.core.validators
import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0004_tolerance_help'),
    ]

    operations = [
        migrations.CreateModel(
            name='Surface',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key', models.CharField(max_length=100, validators=[django.core.validators.RegexValidator('^[a-z0-9][a-z0-9._-]{0,99}$', "Use lower-case letters, digits, '.', '_' or '-' (at most 100 characters), as the model service logs it.")])),
                ('name', models.CharField(max_length=100)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('current_version', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='registry.modelversion')),
                ('model', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='surfaces', to='registry.model')),
            ],
            options={
                'ordering': ['model__name', 'name'],
                'constraints': [models.UniqueConstraint(fields=('model', 'key'), name='unique_surface_key_per_model'), models.UniqueConstraint(fields=('model', 'name'), name='unique_surface_name_per_model')],
            },
        ),
    ]
