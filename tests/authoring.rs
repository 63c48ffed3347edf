//! Authoring through the editor's server functions: drafts, saves that never overwrite a
//! newer version, slugs, statuses and scheduling, revisions, the dashboard.

mod common;

use common::{
    browser, call, field_message, make_user, signed_in_as, spawn_app, Answer, Backend, TestApp,
};
use quire::accounts::Role;
use quire::with_db;

fn form<'a>(fields: &'a [(&'a str, String)]) -> Vec<(&'a str, &'a str)> {
    fields.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// A save with every field; `id`/`version` only when given.
async fn save(
    app: &TestApp,
    client: &reqwest::Client,
    id: Option<i64>,
    version: Option<i64>,
    title: &str,
    content: &str,
    extra: &[(&str, &str)],
) -> Answer {
    let mut fields: Vec<(&str, String)> = vec![
        ("title", title.to_owned()),
        ("slug", String::new()),
        ("content", content.to_owned()),
        ("excerpt", String::new()),
        ("cover_image", String::new()),
        ("tags", String::new()),
        ("categories", String::new()),
        ("canonical_url", String::new()),
    ];
    for (key, value) in extra {
        match fields.iter_mut().find(|(k, _)| k == key) {
            Some(field) => field.1 = value.to_string(),
            None => fields.push((key, value.to_string())),
        }
    }
    if let Some(id) = id {
        fields.push(("id", id.to_string()));
    }
    if let Some(version) = version {
        fields.push(("version", version.to_string()));
    }
    call(app, client, "editor/save", &form(&fields)).await
}

async fn set_status(
    app: &TestApp,
    client: &reqwest::Client,
    id: i64,
    version: i64,
    status: &str,
    at: &str,
) -> Answer {
    let fields = [
        ("id", id.to_string()),
        ("version", version.to_string()),
        ("status", status.to_owned()),
        ("publish_at", at.to_owned()),
    ];
    call(app, client, "editor/status", &form(&fields)).await
}

fn id_version(answer: &Answer) -> (i64, i64) {
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    (
        answer.body["id"].as_i64().unwrap(),
        answer.body["version"].as_i64().unwrap(),
    )
}

async fn drafts_are_private_until_published(backend: Backend) {
    let app = spawn_app(backend).await;
    make_user(&app, "ada", Role::User).await;
    let ada = signed_in_as(&app, "ada").await;
    let answer = save(
        &app,
        &ada,
        None,
        None,
        "Hello, World!",
        "# Hi\n\n```rust\nfn main() {}\n```",
        &[("tags", "Rust, Web Dev")],
    )
    .await;
    let (id, version) = id_version(&answer);
    assert_eq!(
        answer.body["slug"], "hello-world",
        "slug made from the title"
    );
    assert_eq!(answer.body["status"], "DRAFT");
    assert_eq!(
        app.get_text("/posts/hello-world").await.0,
        404,
        "drafts are not public"
    );
    let (status, page) = common::get_with(&app, &ada, "/posts/hello-world").await;
    assert_eq!(status, 200, "the author sees the draft");
    assert!(page.contains("This is a draft"));

    let answer = set_status(&app, &ada, id, version, "PUBLISHED", "").await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    let (status, page) = app.get_text("/posts/hello-world").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("<span class=\"k\">fn</span>"),
        "highlighted code"
    );
    assert!(page.contains("href=\"/tags/web-dev\""), "tags normalized");
    let (_, home) = app.get_text("/").await;
    assert!(home.contains("Hello, World!"));

    // Back to draft: gone from listings again.
    let version = answer.body["version"].as_i64().unwrap();
    set_status(&app, &ada, id, version, "DRAFT", "").await;
    assert_eq!(app.get_text("/posts/hello-world").await.0, 404);
    assert!(!app
        .get_text("/tags/web-dev")
        .await
        .1
        .contains("Hello, World!"));
}

async fn scheduled_posts_appear_on_their_own(backend: Backend) {
    let app = spawn_app(backend).await;
    make_user(&app, "planner", Role::User).await;
    let me = signed_in_as(&app, "planner").await;
    let (id, version) = id_version(
        &save(
            &app,
            &me,
            None,
            None,
            "Later",
            "Soon.",
            &[("tags", "plans")],
        )
        .await,
    );
    let at = (chrono::Utc::now() + chrono::Duration::seconds(2)).to_rfc3339();
    let answer = set_status(&app, &me, id, version, "PUBLISHED", &at).await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(app.get_text("/posts/later").await.0, 404, "not yet");
    assert!(!app.get_text("/tags/plans").await.1.contains("Later"));
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    assert_eq!(
        app.get_text("/posts/later").await.0,
        200,
        "its time came, with no job to run"
    );
    assert!(app.get_text("/tags/plans").await.1.contains("Later"));
    let bad = set_status(
        &app,
        &me,
        id,
        answer.body["version"].as_i64().unwrap(),
        "PUBLISHED",
        "next tuesday",
    )
    .await;
    assert_eq!(bad.status, 400);
    assert!(field_message(&bad, "publish_at").is_some());
}

async fn a_save_never_overwrites_a_newer_version(backend: Backend) {
    let app = spawn_app(backend).await;
    make_user(&app, "twotabs", Role::User).await;
    let me = signed_in_as(&app, "twotabs").await;
    let (id, v1) = id_version(&save(&app, &me, None, None, "Tabs", "first", &[]).await);
    let (_, v2) = id_version(&save(&app, &me, Some(id), Some(v1), "Tabs", "from tab A", &[]).await);
    assert!(v2 > v1);
    // Tab B still holds v1.
    let stale = save(&app, &me, Some(id), Some(v1), "Tabs", "from tab B", &[]).await;
    assert_eq!(stale.status, 409, "{:?}", stale.body);
    let loaded = call(&app, &me, "editor/load", &[("id", &id.to_string())]).await;
    assert_eq!(
        loaded.body["content"], "from tab A",
        "nothing was overwritten"
    );
    // Keeping tab B's text means saving it over the version it now knows.
    let kept = save(&app, &me, Some(id), Some(v2), "Tabs", "from tab B", &[]).await;
    assert_eq!(kept.status, 200);
}

async fn bad_input_is_explained_field_by_field(backend: Backend) {
    let app = spawn_app(backend).await;
    make_user(&app, "careful", Role::User).await;
    let me = signed_in_as(&app, "careful").await;
    let answer = save(
        &app,
        &me,
        None,
        None,
        "  ",
        &"x".repeat(200_001),
        &[("canonical_url", "not a url"), ("categories", "999")],
    )
    .await;
    assert_eq!(answer.status, 400);
    assert!(field_message(&answer, "title").is_some());
    assert!(field_message(&answer, "content")
        .unwrap()
        .contains("200000"));
    assert!(field_message(&answer, "canonical_url").is_some());
    // A category that does not exist.
    let answer = save(&app, &me, None, None, "Cats", "x", &[("categories", "999")]).await;
    assert_eq!(answer.status, 400);
    assert!(field_message(&answer, "categories").is_some());
    // Taken slugs, whatever the typing.
    save(&app, &me, None, None, "Unique", "x", &[]).await;
    let answer = save(
        &app,
        &me,
        None,
        None,
        "Other",
        "x",
        &[("slug", "  UNIQUE!! ")],
    )
    .await;
    assert_eq!(answer.status, 400);
    assert_eq!(
        field_message(&answer, "slug").as_deref(),
        Some("Another post already uses this slug")
    );
    let check = call(&app, &me, "editor/slug", &[("slug", "Ünïque Ideas!")]).await;
    assert_eq!(check.body["slug"], "ünïque-ideas");
    assert_eq!(check.body["available"], true);
    let check = call(&app, &me, "editor/slug", &[("slug", "unique")]).await;
    assert_eq!(check.body["available"], false);
}

async fn only_the_author_and_admins_reach_a_post(backend: Backend) {
    let app = spawn_app(backend).await;
    make_user(&app, "owner", Role::User).await;
    make_user(&app, "stranger", Role::User).await;
    make_user(&app, "chief", Role::Admin).await;
    let owner = signed_in_as(&app, "owner").await;
    let (id, version) =
        id_version(&save(&app, &owner, None, None, "Mine", "secret draft", &[]).await);
    let stranger = signed_in_as(&app, "stranger").await;
    let id_s = id.to_string();
    for (function, fields) in [
        ("editor/load", vec![("id", id_s.as_str())]),
        ("editor/revisions", vec![("id", id_s.as_str())]),
        ("editor/delete", vec![("id", id_s.as_str())]),
    ] {
        assert_eq!(
            call(&app, &stranger, function, &fields).await.status,
            404,
            "{function}"
        );
        assert_eq!(
            call(&app, &browser(), function, &fields).await.status,
            401,
            "{function}"
        );
    }
    assert_eq!(
        save(&app, &stranger, Some(id), Some(version), "Theirs", "x", &[])
            .await
            .status,
        404
    );
    let chief = signed_in_as(&app, "chief").await;
    let loaded = call(&app, &chief, "editor/load", &[("id", &id_s)]).await;
    assert_eq!(loaded.body["content"], "secret draft");
    assert_eq!(
        call(&app, &owner, "editor/delete", &[("id", &id_s)])
            .await
            .status,
        200
    );
    assert_eq!(
        call(&app, &owner, "editor/load", &[("id", &id_s)])
            .await
            .status,
        404
    );
}

async fn revisions_fold_autosaves_and_can_be_restored(backend: Backend) {
    let app = spawn_app(backend).await;
    make_user(&app, "reviser", Role::User).await;
    let me = signed_in_as(&app, "reviser").await;
    let (id, mut version) = id_version(&save(&app, &me, None, None, "Draft", "one", &[]).await);
    for text in ["one two", "one two three", "one two three four"] {
        let answer = save(
            &app,
            &me,
            Some(id),
            Some(version),
            "Draft",
            text,
            &[("autosave", "true")],
        )
        .await;
        version = id_version(&answer).1;
    }
    let revisions = call(&app, &me, "editor/revisions", &[("id", &id.to_string())]).await;
    let kinds: Vec<&str> = revisions
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["AUTOSAVE", "SAVE"], "three autosaves fold into one");
    let first = revisions.body[1]["id"].as_i64().unwrap().to_string();
    let diff = call(&app, &me, "editor/diff", &[("revision_id", &first)]).await;
    assert_eq!(
        diff.body,
        serde_json::json!([{"Removed": "one"}, {"Added": "one two three four"}])
    );
    let restored = call(
        &app,
        &me,
        "editor/restore",
        &[("revision_id", &first), ("version", &version.to_string())],
    )
    .await;
    assert_eq!(restored.status, 200, "{:?}", restored.body);
    let loaded = call(&app, &me, "editor/load", &[("id", &id.to_string())]).await;
    assert_eq!(loaded.body["content"], "one");

    let dashboard = call(&app, &me, "dashboard/posts", &[]).await;
    assert_eq!(dashboard.body[0]["title"], "Draft");
    assert_eq!(dashboard.body[0]["status"], "DRAFT");
    let revisions: i64 = with_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM post_revisions"
    )
    .fetch_one(pool)
    .await
    .unwrap());
    assert_eq!(revisions, 3);
}

async fn the_editor_works_as_a_plain_form(backend: Backend) {
    let app = spawn_app(backend).await;
    make_user(&app, "nojs", Role::User).await;
    let me = signed_in_as(&app, "nojs").await;
    let res = me
        .post(app.url("/rpc/editor/save"))
        .header("accept", "text/html")
        .form(&[
            ("title", "Plain"),
            ("slug", ""),
            ("content", "Typed without JavaScript."),
            ("excerpt", ""),
            ("cover_image", ""),
            ("tags", ""),
            ("categories", ""),
            ("canonical_url", ""),
        ])
        .send()
        .await
        .unwrap();
    assert!(res.status().is_redirection(), "{}", res.status());
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("/editor/"), "{location}");
    let (status, page) = common::get_with(&app, &me, &location).await;
    assert_eq!(status, 200);
    assert!(page.contains("Typed without JavaScript."));

    // Refused (a title far too long), the editor comes back with everything as typed.
    let title = "Long ".repeat(60);
    let (status, _, page) = common::plain_post(
        &app,
        &me,
        "editor/save",
        "/editor/new",
        &[
            ("title", &title),
            ("slug", ""),
            ("content", "Second draft, kept when refused."),
            ("excerpt", "A short one"),
            ("cover_image", ""),
            ("tags", "kept, words"),
            ("categories", ""),
            ("canonical_url", ""),
        ],
    )
    .await;
    assert_eq!(status, 400);
    let content = common::element(&page, "post-content", "textarea");
    assert!(
        content.ends_with("Second draft, kept when refused."),
        "{content}"
    );
    let title_field = common::element(&page, "post-title", "div");
    assert!(
        title_field.contains(&format!(r#"value="{title}""#)),
        "{title_field}"
    );
    let tags = common::element(&page, "post-tags", "div");
    assert!(tags.contains(r#"value="kept, words""#), "{tags}");
}

async fn images_are_checked_reencoded_and_served(backend: Backend) {
    let app = spawn_app(backend).await;
    make_user(&app, "painter", Role::User).await;
    let me = signed_in_as(&app, "painter").await;
    let picture = image::RgbImage::from_pixel(2400, 1200, image::Rgb([200, 80, 20]));
    let mut jpeg = std::io::Cursor::new(Vec::new());
    picture
        .write_to(&mut jpeg, image::ImageFormat::Jpeg)
        .unwrap();
    let upload = |client: &reqwest::Client, bytes: Vec<u8>, name: &str| {
        let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned());
        client
            .post(app.url("/editor/images"))
            .multipart(reqwest::multipart::Form::new().part("image", part))
            .send()
    };
    let res = upload(&me, jpeg.into_inner(), "sunset [large].jpg")
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let body: serde_json::Value = res.json().await.unwrap();
    let url = body["url"].as_str().unwrap().to_owned();
    assert!(
        url.starts_with("/media/images/") && url.ends_with(".jpg"),
        "{url}"
    );
    assert_eq!(body["markdown"], format!("![sunset large]({url})"));
    let served = app.get(&url).await;
    assert_eq!(served.status(), 200);
    assert!(served.headers()["cache-control"]
        .to_str()
        .unwrap()
        .contains("immutable"));
    let stored = image::load_from_memory(&served.bytes().await.unwrap()).unwrap();
    assert_eq!(stored.width(), 2000, "resized to at most 2000 pixels wide");
    let card = app
        .get(body["cardUrl"].as_str().unwrap())
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(image::load_from_memory(&card).unwrap().width(), 800);

    let res = upload(&me, b"<svg onload=alert(1)></svg>".to_vec(), "evil.png")
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let body: serde_json::Value = res.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("not a PNG"));
    let res = upload(&browser(), vec![1, 2, 3], "x.png").await.unwrap();
    assert_eq!(res.status(), 401);
}

/// An EXIF block (big-endian TIFF) with one tag: Orientation = 6, "turn 90 degrees clockwise
/// to show", as phones write for a portrait taken with the sensor on its side.
fn exif_rotate_90() -> Vec<u8> {
    let mut exif = b"MM\0\x2a\0\0\0\x08".to_vec();
    exif.extend_from_slice(&1u16.to_be_bytes());
    exif.extend_from_slice(&0x0112u16.to_be_bytes());
    exif.extend_from_slice(&3u16.to_be_bytes()); // SHORT
    exif.extend_from_slice(&1u32.to_be_bytes());
    exif.extend_from_slice(&[0, 6, 0, 0]);
    exif.extend_from_slice(&0u32.to_be_bytes());
    exif
}

/// A 16x8 picture, red on its left half and blue on its right, as a JPEG whose EXIF says to
/// turn it (so it shows 8x16, red above blue) and which carries XMP too.
fn sideways_jpeg() -> Vec<u8> {
    let picture = image::RgbImage::from_fn(16, 8, |x, _| {
        image::Rgb(if x < 8 { [255, 0, 0] } else { [0, 0, 255] })
    });
    let mut jpeg = std::io::Cursor::new(Vec::new());
    picture
        .write_to(&mut jpeg, image::ImageFormat::Jpeg)
        .unwrap();
    let jpeg = jpeg.into_inner();
    let segment = |payload: &[u8]| {
        let mut out = vec![0xFF, 0xE1];
        out.extend_from_slice(&u16::try_from(payload.len() + 2).unwrap().to_be_bytes());
        out.extend_from_slice(payload);
        out
    };
    let mut out = jpeg[..2].to_vec();
    out.extend(segment(
        &[b"Exif\0\0".as_slice(), &exif_rotate_90()].concat(),
    ));
    out.extend(segment(
        b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta xmlns:x='adobe:ns:meta/'/>",
    ));
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// The same picture half transparent, as a PNG with the orientation in an eXIf chunk.
fn sideways_png() -> Vec<u8> {
    let picture = image::RgbaImage::from_fn(16, 8, |x, _| {
        image::Rgba(if x < 8 {
            [255, 0, 0, 128]
        } else {
            [0, 0, 255, 128]
        })
    });
    let mut png = std::io::Cursor::new(Vec::new());
    picture.write_to(&mut png, image::ImageFormat::Png).unwrap();
    let png = png.into_inner();
    let crc = |bytes: &[u8]| {
        let mut crc = !0u32;
        for byte in bytes {
            crc ^= u32::from(*byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    };
    let exif = exif_rotate_90();
    let body = [b"eXIf".as_slice(), &exif].concat();
    // After the signature (8 bytes) and IHDR (25).
    let mut out = png[..33].to_vec();
    out.extend_from_slice(&u32::try_from(exif.len()).unwrap().to_be_bytes());
    out.extend_from_slice(&body);
    out.extend_from_slice(&crc(&body).to_be_bytes());
    out.extend_from_slice(&png[33..]);
    out
}

/// The metadata segments (JPEG) or chunks (PNG) of an image file: what is in it besides the
/// pixels and their layout.
fn metadata_in(file: &[u8]) -> Vec<String> {
    let mut found = Vec::new();
    if file.starts_with(b"\x89PNG\r\n\x1a\n") {
        let mut at = 8;
        while at + 8 <= file.len() {
            let len = u32::from_be_bytes(file[at..at + 4].try_into().unwrap()) as usize;
            let kind = String::from_utf8_lossy(&file[at + 4..at + 8]).into_owned();
            if !["IHDR", "PLTE", "tRNS", "IDAT", "IEND"].contains(&kind.as_str()) {
                found.push(kind);
            }
            at += 12 + len;
        }
    } else {
        assert_eq!(&file[..2], [0xFF, 0xD8], "a JPEG");
        let mut at = 2;
        // Up to the scan: the segments before it are where metadata lives.
        while file[at] == 0xFF && file[at + 1] != 0xDA {
            let marker = file[at + 1];
            let len = usize::from(u16::from_be_bytes([file[at + 2], file[at + 3]]));
            // APP0 is JFIF, the format's own header; APP1 and on and comments are metadata.
            if (0xE1..=0xEF).contains(&marker) || marker == 0xFE {
                found.push(format!("{marker:#04X}"));
            }
            at += 2 + len;
        }
    }
    for needle in [b"Exif".as_slice(), b"ns.adobe.com", b"ICC_PROFILE"] {
        if file.windows(needle.len()).any(|w| w == needle) {
            found.push(String::from_utf8_lossy(needle).into_owned());
        }
    }
    found
}

/// Whether a picture is 8x16 with red above blue: turned as its EXIF said.
fn upright(file: &[u8]) -> bool {
    let picture = image::load_from_memory(file).unwrap().to_rgb8();
    if picture.dimensions() != (8, 16) {
        return false;
    }
    let (top, bottom) = (picture.get_pixel(4, 3), picture.get_pixel(4, 12));
    top[0] > top[2] + 100 && bottom[2] > bottom[0] + 100
}

async fn phone_pictures_are_turned_upright_and_lose_their_metadata(backend: Backend) {
    let app = spawn_app(backend).await;
    make_user(&app, "phone", Role::User).await;
    let me = signed_in_as(&app, "phone").await;
    let (jpeg, png) = (sideways_jpeg(), sideways_png());
    // The crafted files are what they claim: sideways, with the metadata in them.
    let raw = image::load_from_memory(&jpeg).unwrap();
    assert_eq!((raw.width(), raw.height()), (16, 8));
    assert!(metadata_in(&jpeg).contains(&"Exif".to_owned()));
    assert!(metadata_in(&png).contains(&"eXIf".to_owned()));

    for (file, extension) in [(jpeg.clone(), "jpg"), (png, "png")] {
        let part = reqwest::multipart::Part::bytes(file).file_name(format!("portrait.{extension}"));
        let res = me
            .post(app.url("/editor/images"))
            .multipart(reqwest::multipart::Form::new().part("image", part))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        let body: serde_json::Value = res.json().await.unwrap();
        for key in ["url", "cardUrl"] {
            let url = body[key].as_str().unwrap();
            assert!(url.ends_with(extension), "{url}");
            let stored = app.get(url).await.bytes().await.unwrap();
            assert!(upright(&stored), "{url} is turned as its EXIF said");
            assert_eq!(metadata_in(&stored), Vec::<String>::new(), "{url}");
        }
    }

    // The avatar is a square from the middle of the picture: red above blue when upright,
    // red beside blue when not.
    let part = reqwest::multipart::Part::bytes(jpeg).file_name("me.jpg");
    let res = me
        .post(app.url("/settings/avatar"))
        .multipart(reqwest::multipart::Form::new().part("avatar", part))
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["location"], "/settings?avatar=updated");
    let url = call(&app, &me, "accounts/me", &[]).await.body["avatar_url"]
        .as_str()
        .unwrap()
        .to_owned();
    let stored = app.get(&url).await.bytes().await.unwrap();
    assert_eq!(metadata_in(&stored), Vec::<String>::new(), "{url}");
    let avatar = image::load_from_memory(&stored).unwrap().to_rgb8();
    let (top, bottom) = (avatar.get_pixel(128, 40), avatar.get_pixel(128, 215));
    assert!(
        top[0] > top[2] + 100 && bottom[2] > bottom[0] + 100,
        "{top:?} above {bottom:?}"
    );
}

async fn the_dashboard_imports_and_exports_markdown(backend: Backend) {
    let app = spawn_app(backend).await;
    make_user(&app, "mover", Role::User).await;
    let me = signed_in_as(&app, "mover").await;
    let file = |name: &str, text: &str| {
        reqwest::multipart::Part::bytes(text.as_bytes().to_vec()).file_name(name.to_owned())
    };
    let form = reqwest::multipart::Form::new()
        .part(
            "files",
            file(
                "good.md",
                "---\ntitle: Moved In\ntags: [moving]\n---\nHello from elsewhere.",
            ),
        )
        .part("files", file("bad.md", "no front matter here"));
    let res = me
        .post(app.url("/dashboard/import"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_redirection());
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let (_, page) = common::get_with(&app, &me, &location).await;
    assert!(page.contains("Imported 1 posts; 1 failed."), "{location}");
    assert!(page.contains("bad.md: no front matter"));
    assert_eq!(
        app.get_text("/posts/moved-in").await.0,
        200,
        "published unless it says draft"
    );

    let res = me.get(app.url("/dashboard/export")).send().await.unwrap();
    assert_eq!(res.headers()["content-type"], "application/x-tar");
    let archive = res.bytes().await.unwrap();
    assert_eq!(&archive[..11], b"moved-in.md");
    let text = String::from_utf8_lossy(&archive[512..1024]);
    assert!(text.contains("title: \"Moved In\"") && text.contains("Hello from elsewhere."));
    // Visitors are sent to sign in.
    let res = app.get("/dashboard/export").await;
    assert!(res.status().is_redirection());
}

async fn canonical_addresses_reach_the_head_and_the_feeds(backend: Backend) {
    let app = spawn_app(backend).await;
    make_user(&app, "syndic", Role::User).await;
    let me = signed_in_as(&app, "syndic").await;
    let first = "https://elsewhere.example/first-home";
    let (id, version) = id_version(
        &save(
            &app,
            &me,
            None,
            None,
            "Cross posted",
            "Hello.",
            &[("canonical_url", first)],
        )
        .await,
    );
    set_status(&app, &me, id, version, "PUBLISHED", "").await;
    let (_, page) = app.get_text("/posts/cross-posted").await;
    assert!(
        page.contains(&format!("href=\"{first}\" rel=\"canonical\"")),
        "page head"
    );
    let atom = app.get("/feed.xml").await.text().await.unwrap();
    assert!(atom.contains(&format!("href=\"{first}\"")), "Atom link");
    let json: serde_json::Value = app.get("/feed.json").await.json().await.unwrap();
    assert_eq!(json["items"][0]["url"], first);
}

on_both_backends!(
    canonical_addresses_reach_the_head_and_the_feeds,
    the_dashboard_imports_and_exports_markdown,
    images_are_checked_reencoded_and_served,
    phone_pictures_are_turned_upright_and_lose_their_metadata,
    drafts_are_private_until_published,
    scheduled_posts_appear_on_their_own,
    a_save_never_overwrites_a_newer_version,
    bad_input_is_explained_field_by_field,
    only_the_author_and_admins_reach_a_post,
    revisions_fold_autosaves_and_can_be_restored,
    the_editor_works_as_a_plain_form,
);
