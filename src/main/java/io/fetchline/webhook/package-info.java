/** Announcing the end of jobs to their webhooks, from the durable outbox, as the Standard Webhooks specification says. */
@NullMarked
package io.fetchline.webhook;

import org.jspecify.annotations.NullMarked;
