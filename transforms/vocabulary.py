"""The closed vocabularies of the input contract (docs/architecture.md, "Landing formats")
that gold dimensions draw on."""

# Hosting regions named by the privacy policy.
REGIONS = ("us", "ca", "ie", "jp", "in", "sg", "hk", "uk", "au", "eu")
PRODUCTS = ("meeting", "webinar", "audio")
ACCESS_TYPES = ("dial_in", "toll_free", "web", "app", "sip")
