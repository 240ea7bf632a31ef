-- Ops one store's till wrote that other tills must see (issue 15): the chain's catalogue
-- (`catalog`: every product a store defines) and a transfer between stores (the other store's
-- stream). The op itself stays once in `change_log`, in its own store's stream; a copy is a
-- position in another stream that points at it, allocated like any position (under the
-- stream head's row lock, in the pushing transaction). `origin` is the writing till's store:
-- head office reads every store's own stream and skips copies.
CREATE TABLE change_copy (
    stream  text NOT NULL,
    seq     bigint NOT NULL,
    op_id   text NOT NULL REFERENCES change_log(op_id),
    origin  text NOT NULL REFERENCES store(code),
    PRIMARY KEY (stream, seq),
    UNIQUE (stream, op_id)
);

-- A transfer between two stores: set by its `transfer.created` (which names `to_store`), read
-- by every later step of it to copy the step to the other store.
CREATE TABLE transfer_route (
    transfer_id  text PRIMARY KEY,
    from_store   text NOT NULL REFERENCES store(code),
    to_store     text NOT NULL REFERENCES store(code)
);
