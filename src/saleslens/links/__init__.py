"""Links that die: the emailed link is a signed token (``token``) that the link function checks
(signature with the current or previous key of ``keys``, expiry, ``revocation``, and that the
person still holds the position, ``holders``) before it redirects to a presigned URL of the
report that lives minutes (``service``). Every open is recorded (``access_log``)."""
