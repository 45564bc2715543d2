"""What a revision of a landscape entry holds, and what a restore of one keeps (see core/versioning.py).

A company's revision holds its aliases and products, a person's their aliases and affiliations, so
restoring one brings those back as they were. Mentions have no history page of their own; they are
versioned so that a deleted article, section or paragraph is recovered with them (core/deletion.py).
"""

import reversion

from core.versioning import keep_on_restore

from .models import Affiliation, Alias, Company, Figure, Mention, Person, Product, Quote


def register_versioned_models() -> None:
    """Register the landscape models with what their revisions hold, and what a restore keeps."""
    reversion.register(Company, follow=["aliases", "products"])
    reversion.register(Person, follow=["aliases", "affiliations"])
    for model in (Alias, Product, Affiliation, Quote, Figure, Mention):
        reversion.register(model)
    # Restoring a version never publishes, unpublishes or moves an entry; a recovered one comes back
    # unpublished.
    keep_on_restore(Company, ["published", "slug"], recovered_as={"published": False})
    keep_on_restore(Person, ["published", "slug"], recovered_as={"published": False})
    keep_on_restore(Product, ["slug"])
