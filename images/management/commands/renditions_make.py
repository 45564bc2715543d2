"""Make every image's missing renditions: after the roles change, or a Pillow that writes a new format."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from images.models import Image
from images.services import renditions_make


class Command(BaseCommand):
    help = "Make the renditions each image lacks and drop those no role asks for; made ones stay as they are."

    def handle(self, *args, **options):
        failed = 0
        images = Image.objects.order_by("pk")
        for image in images.iterator(chunk_size=100):
            try:
                made = renditions_make(image)
            except ValidationError as error:
                failed += 1
                self.stderr.write(f"#{image.pk} {image}: {' '.join(error.messages)}")
                continue
            self.stdout.write(f"#{image.pk} {image}: {len(made)} renditions")
        if failed:
            raise CommandError(f"{failed} of {images.count()} images have no renditions made.")
