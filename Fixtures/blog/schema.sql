-- GBatchy test fixture: a small blog.
-- Load with: sqlite3 db.sqlite < schema.sql && sqlite3 db.sqlite < data.sql
-- This file contains DDL only; the rows are in data.sql. See README.md for the facts tests can rely on.

CREATE TABLE authors (
    id        INTEGER PRIMARY KEY,
    name      TEXT NOT NULL,
    email     TEXT UNIQUE,
    bio       TEXT NULL,
    mentor_id INTEGER NULL REFERENCES authors(id)
);

CREATE TABLE posts (
    id           INTEGER PRIMARY KEY,
    author_id    INTEGER NOT NULL REFERENCES authors(id),
    title        TEXT NOT NULL,
    body         TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('draft', 'published', 'archived')),
    published_at TEXT NULL,
    score        REAL NOT NULL DEFAULT 0,
    is_featured  INTEGER NOT NULL DEFAULT 0
);

CREATE INDEX idx_posts_author_id ON posts(author_id);

CREATE TABLE comments (
    id        INTEGER PRIMARY KEY,
    post_id   INTEGER NOT NULL REFERENCES posts(id),
    author_id INTEGER NULL REFERENCES authors(id),
    body      TEXT NOT NULL
);

CREATE INDEX idx_comments_post_id ON comments(post_id);

CREATE TABLE tags (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);

CREATE TABLE post_tags (
    post_id INTEGER NOT NULL REFERENCES posts(id),
    tag_id  INTEGER NOT NULL REFERENCES tags(id),
    PRIMARY KEY (post_id, tag_id)
);

CREATE INDEX idx_post_tags_tag_id ON post_tags(tag_id);

CREATE TABLE users (
    id     INTEGER PRIMARY KEY,
    uuid   TEXT NOT NULL UNIQUE,
    handle TEXT NOT NULL UNIQUE
);
