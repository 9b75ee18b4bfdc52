-- The column vocabulary: snake_case id and the canonical Chinese header.
create table if not exists dim_measure (
    measure   varchar primary key,
    label_zh  varchar not null
);
