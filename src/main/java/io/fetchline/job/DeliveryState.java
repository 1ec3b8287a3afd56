package io.fetchline.job;

/** Where the announcement of a job's end stands. */
public enum DeliveryState {
    /** Not delivered yet: an attempt is due, running, or waiting for its retry. */
    PENDING,
    /** A receiver answered 2xx. */
    DELIVERED,
    /** Every attempt failed, or the receiver's address is one Fetchline may not connect to. */
    FAILED
}
