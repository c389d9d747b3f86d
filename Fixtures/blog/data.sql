-- GBatchy test fixture: rows for the blog schema (schema.sql). INSERTs only.
-- Hand-written and deterministic; the facts tests rely on are listed in README.md.

BEGIN;

-- Mentor chains: 4 -> 2 -> 1 and 6 -> 3 -> 1; authors 1 and 5 have no mentor.
-- Authors 3 and 5 have no bio. Author 6 has no posts (but does write comments).
INSERT INTO authors (id, name, email, bio, mentor_id) VALUES
    (1, 'Ada Lovelace',       'ada@example.com',     'Writes about engines that weave algebraic patterns.', NULL),
    (2, 'Grace Hopper',       'grace@example.com',   'Compilers, nanoseconds and the occasional moth.',      1),
    (3, 'Alan Turing',        'alan@example.com',    NULL,                                                  1),
    (4, 'Edsger Dijkstra',    'edsger@example.com',  'Considers many things harmful.',                      2),
    (5, 'Barbara Liskov',     'barbara@example.com', NULL,                                                  NULL),
    (6, 'Donald Knuth',       'don@example.com',     'Still writing volume 4.',                             3);

-- Author 1: posts 1-4; author 2: posts 5-7; author 3: posts 8-9; author 4: posts 10-11; author 5: post 12.
-- Drafts (3, 7, 11) have NULL published_at. Post 2 has an apostrophe in its title, post 9 a non-ASCII letter,
-- post 12 '&' and '%'.
INSERT INTO posts (id, author_id, title, body, status, published_at, score, is_featured) VALUES
    (1,  1, 'Notes on the Analytical Engine',      'The engine weaves algebraic patterns.',            'published', '2024-01-05 09:00:00', 4.5,  1),
    (2,  1, 'Ada''s Second Note',                  'It''s about the Bernoulli numbers, again.',        'published', '2024-02-10 14:30:00', 3.25, 0),
    (3,  1, 'Bernoulli Numbers, Step by Step',     'Draft: a table of operations.',                    'draft',     NULL,                  0.0,  0),
    (4,  1, 'Poetical Science',                    'Imagination is the discovering faculty.',          'archived',  '2023-11-20 08:15:00', 1.5,  0),
    (5,  2, 'The First Actual Bug',                'A moth, taped into the log book.',                 'published', '2024-01-20 16:45:00', 5.0,  1),
    (6,  2, 'Nanoseconds Explained',               'About 30 centimetres of wire.',                    'published', '2024-03-02 10:00:00', 4.0,  0),
    (7,  2, 'Compilers for Everyone',              'Draft: English-like programming.',                 'draft',     NULL,                  0.0,  0),
    (8,  3, 'On Computable Numbers',               'A number is computable if a machine can write it.', 'published', '2024-01-15 11:11:11', 4.75, 1),
    (9,  3, 'Café Conversations about Machines',   'Can machines think?',                              'archived',  '2023-12-01 12:00:00', 2.0,  0),
    (10, 4, 'Go To Statement Considered Harmful',  'Structured programming, please.',                  'published', '2024-02-29 23:59:59', 3.5,  0),
    (11, 4, 'Shortest Paths, Shortly',             'Draft: twenty minutes in a cafe.',                 'draft',     NULL,                  0.0,  0),
    (12, 5, 'Substitution & Subtypes: 100% Safe',  'Objects of a subtype should stand in for the supertype.', 'published', '2024-03-10 07:30:00', 4.25, 0);

-- Post 7 is the only post without comments. author_id NULL marks an anonymous comment (comments 3, 9, 14, 19).
INSERT INTO comments (id, post_id, author_id, body) VALUES
    (1,  1,  2,    'Wonderful notes.'),
    (2,  1,  3,    'Could it compute anything?'),
    (3,  1,  NULL, 'First!'),
    (4,  1,  6,    'Typeset beautifully.'),
    (5,  2,  4,    'Elegant.'),
    (6,  2,  1,    'Thank you, that''s kind.'),
    (7,  3,  2,    'Looking forward to the final version.'),
    (8,  4,  5,    'A lovely phrase.'),
    (9,  5,  NULL, 'Was the moth OK?'),
    (10, 5,  1,    'A famous log entry.'),
    (11, 5,  6,    'I keep a copy of the photo.'),
    (12, 6,  4,    'Every nanosecond counts.'),
    (13, 6,  3,    'How long is a microsecond?'),
    (14, 8,  NULL, 'This paper changed everything.'),
    (15, 8,  6,    'A classic.'),
    (16, 9,  2,    'Au café, toujours.'),
    (17, 10, 1,    'Strong words.'),
    (18, 10, 2,    'Harmful, or merely unfashionable?'),
    (19, 11, NULL, '-- not a SQL comment; DROP nothing'),
    (20, 12, 4,    '100% agree.');

-- Tag 5 ('meta') is on no post. Posts 3 and 11 have no tags.
INSERT INTO tags (id, name) VALUES
    (1, 'history'),
    (2, 'theory'),
    (3, 'languages'),
    (4, 'algorithms'),
    (5, 'meta');

INSERT INTO post_tags (post_id, tag_id) VALUES
    (1,  1), (1,  2),
    (2,  1),
    (4,  1), (4,  3),
    (5,  1), (5,  3),
    (6,  2),
    (7,  3),
    (8,  2), (8,  4),
    (9,  1),
    (10, 3), (10, 4),
    (12, 2), (12, 3);

-- UUIDs are uppercase canonical strings, as Foundation's UUID().uuidString prints them.
-- Handle 3 is a hostile-looking string, handle 4 contains LIKE wildcards, handle 5 a non-ASCII letter.
INSERT INTO users (id, uuid, handle) VALUES
    (1, 'E621E1F8-C36C-495A-93FC-0C247A3E6E5F', 'alice'),
    (2, 'ABEB09E0-6D98-4445-A8A7-41EC6FAD3EA7', 'bob'),
    (3, '95AA3FD4-D0B2-4850-B460-0393A786911C', '''); DROP TABLE users; --'),
    (4, '22511E46-008D-4FD9-963A-5947456DD4C3', '100%_legit'),
    (5, 'F3BA3121-494F-4525-8DB0-79D0CFE44C11', 'zoë');

COMMIT;
