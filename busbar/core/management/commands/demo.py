from django.core.management.base import BaseCommand

from busbar.core.demo import load_demo


class Command(BaseCommand):
    help = "Load the Busbar demo data set: GB industry organisations, a person per role. Safe to run twice."

    def handle(self, *args: object, **options: object) -> None:
        report = load_demo()
        self.stdout.write(report)
