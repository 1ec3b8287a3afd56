package io.fetchline.job;

import java.net.URI;

/**
 * A validated item of a submission; {@code fileName} and {@code sha256} may be null.
 *
 * @param url the URL as submitted
 * @param host the host key per-host limits count by, see {@link JobStore#hostKey}
 */
public record NewItem(String url, String host, String fileName, String sha256) {

    /** Keeps the URL's text and host key only: a parsed URI is several times their size, and a job may have 100,000. */
    public static NewItem of(URI url, String fileName, String sha256) {
        return new NewItem(url.toString(), JobStore.hostKey(url), fileName, sha256);
    }
}
