/** Who may call the API: API keys checked by Spring Security, and the warning for an exposed, open service. */
@NullMarked
package io.fetchline.security;

import org.jspecify.annotations.NullMarked;
