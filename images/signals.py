"""`image_changed`: what readers see of an image changed, sent once per change for whatever shows it.

Sent with `image_id` after an image is saved, before it is deleted (while what shows it still names it),
and after one of its renditions is made or deleted. Apps that show images (articles, landscape,
integrations) listen to it instead of to the models' own signals.
"""

from django.db.models.signals import post_delete, post_save, pre_delete
from django.dispatch import Signal, receiver

from .models import Image, Rendition

image_changed = Signal()


@receiver(post_save, sender=Image, dispatch_uid="images_image_saved")
@receiver(pre_delete, sender=Image, dispatch_uid="images_image_deleted")
@receiver(post_save, sender=Rendition, dispatch_uid="images_rendition_saved")
@receiver(post_delete, sender=Rendition, dispatch_uid="images_rendition_deleted")
def _image_or_rendition_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        image_changed.send(sender=Image, image_id=instance.pk if sender is Image else instance.image_id)
