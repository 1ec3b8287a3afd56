/** HTTP client setup and the rules for where and how Fetchline fetches. */
@NullMarked
package io.fetchline.fetch;

import org.jspecify.annotations.NullMarked;
