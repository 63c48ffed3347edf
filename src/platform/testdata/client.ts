import { z } from "zod";
import type { Cursor, Page } from "./pagination";

/** A post card as the listing endpoints return it. */
export interface PostCard {
  id: number;
  title: string;
  slug: string;
  excerpt: string;
  publishedAt: string;
  readTimeMinutes: number;
  tags: readonly string[];
  likeCount: number;
}

export type Listing =
  | { kind: "all" }
  | { kind: "tag"; tag: string }
  | { kind: "author"; username: string };

const cardSchema = z.object({
  id: z.number().int().positive(),
  title: z.string().min(1).max(200),
  slug: z.string().regex(/^[a-z0-9-]+$/),
  excerpt: z.string(),
  publishedAt: z.string().datetime(),
  readTimeMinutes: z.number().int().min(1),
  tags: z.array(z.string()),
  likeCount: z.number().int().nonnegative(),
});

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** Reads one page of a listing; pass the previous page's cursor for the next one. */
export async function listPosts(
  listing: Listing,
  cursor?: Cursor,
  limit = 20,
): Promise<Page<PostCard>> {
  const params = new URLSearchParams({ limit: String(limit) });
  if (cursor !== undefined) {
    params.set("cursor", cursor);
  }
  const path =
    listing.kind === "all"
      ? "/api/posts"
      : listing.kind === "tag"
        ? `/api/tags/${encodeURIComponent(listing.tag)}/posts`
        : `/api/users/${encodeURIComponent(listing.username)}/posts`;
  const res = await fetch(`${path}?${params}`, {
    headers: { Accept: "application/json" },
  });
  if (!res.ok) {
    throw new ApiError(res.status, `listing failed: ${res.statusText}`);
  }
  const body: unknown = await res.json();
  const page = z
    .object({ data: z.array(cardSchema), nextCursor: z.string().nullable() })
    .parse(body);
  return { items: page.data, next: page.nextCursor ?? undefined };
}

/** Every page of a listing, one after another, until there are no more. */
export async function* allPosts(listing: Listing): AsyncGenerator<PostCard> {
  let cursor: Cursor | undefined;
  do {
    const page = await listPosts(listing, cursor);
    for (const card of page.items) {
      yield card;
    }
    cursor = page.next;
  } while (cursor !== undefined);
}

export function readingTime(words: number, wordsPerMinute = 200): number {
  return Math.max(1, Math.ceil(words / wordsPerMinute));
}

// Likes are counted on the server; the button only shows the answer.
export async function like(id: number, signal?: AbortSignal): Promise<number> {
  const res = await fetch(`/api/posts/${id}/like`, { method: "POST", signal });
  if (res.status === 401) {
    window.location.assign(`/login?next=${encodeURIComponent(location.pathname)}`);
    return -1;
  }
  const { likeCount } = (await res.json()) as { likeCount: number };
  return likeCount;
}
