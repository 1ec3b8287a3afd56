package io.fetchline.job;

import java.net.URI;

/** A validated item of a submission; {@code fileName} and {@code sha256} may be null. */
public record NewItem(URI url, String fileName, String sha256) {
}
