use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn a_review_is_one_a_product_a_user_and_writing_again_edits_it() {
    let app = spawn_app().await;
    app.store_feed().await;
    let product = app.product_id("ST-T1").await;
    let listener = app.customer().await;

    let first = app
        .write_review(&listener, &product, 4, Some("<b>Fine</b>"))
        .await;
    let first = data(&first)["writeReview"].clone();
    assert_eq!(first["rating"], 4);
    assert_eq!(first["body"], "<b>Fine</b>", "kept as text");
    assert_eq!(first["verifiedPurchase"], false);

    let other = app.customer().await;
    data(&app.write_review(&other, &product, 1, None).await);
    let reviews = app.product_reviews(&product).await;
    let reviewed = &data(&reviews)["product"];
    assert_eq!(reviewed["reviewCount"], 2);
    assert_eq!(reviewed["averageRating"], 2.5);
    assert_eq!(
        reviewed["reviews"]["nodes"][1]["id"], first["id"],
        "newest first"
    );

    // Bought, then written again: the same review, edited, verified.
    data(&app.add_to_cart(&listener, &product).await);
    data(&app.checkout(&listener, "buy").await);
    let edited = app
        .write_review(&listener, &product, 5, Some("Better"))
        .await;
    let edited = data(&edited)["writeReview"].clone();
    assert_eq!(edited["id"], first["id"]);
    assert_eq!(edited["verifiedPurchase"], true);
    let reviews = app.product_reviews(&product).await;
    let reviewed = &data(&reviews)["product"];
    assert_eq!(reviewed["reviewCount"], 2);
    assert_eq!(reviewed["averageRating"], 3.0);
    assert_eq!(reviewed["reviews"]["totalCount"], 2);
}

#[tokio::test]
async fn bad_reviews_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    app.store_feed().await;
    let product = app.product_id("ST-T1").await;
    let listener = app.customer().await;
    let long = "x".repeat(5_001);
    for (rating, body) in [(0, None), (6, None), (3, Some(long.as_str()))] {
        let written = app.write_review(&listener, &product, rating, body).await;
        assert_eq!(error_code(&written), "BAD_USER_INPUT", "{written}");
    }
    let longest = "x".repeat(5_000);
    data(
        &app.write_review(&listener, &product, 3, Some(&longest))
            .await,
    );
    assert_eq!(
        error_code(&app.write_review(&Auth::Anonymous, &product, 3, None).await),
        "UNAUTHENTICATED"
    );
    let line = app.add_to_cart(&listener, &product).await;
    let line_id = data(&line)["addToCart"]["lines"][0]["id"].clone();
    assert_eq!(
        error_code(&app.write_review(&listener, &line_id, 3, None).await),
        "NOT_FOUND"
    );
    let reviews = app.product_reviews(&product).await;
    assert_eq!(data(&reviews)["product"]["reviewCount"], 1);
    assert_eq!(data(&reviews)["product"]["averageRating"], json!(3.0));
}

#[tokio::test]
async fn a_refund_takes_the_verified_mark_off_the_buyers_review() {
    let app = spawn_app().await;
    app.store_feed().await;
    let admin = app.admin().await;
    let (track, other_track) = (app.product_id("ST-T1").await, app.product_id("ST-T2").await);
    let listener = app.customer().await;
    data(&app.add_to_cart(&listener, &track).await);
    let refunded = data(&app.checkout(&listener, "to-refund").await)["checkout"].clone();
    data(&app.add_to_cart(&listener, &other_track).await);
    data(&app.checkout(&listener, "to-keep").await);
    for product in [&track, &other_track] {
        let review = app.write_review(&listener, product, 5, None).await;
        assert_eq!(data(&review)["writeReview"]["verifiedPurchase"], true);
    }

    data(&app.refund_order(&admin, &refunded["id"]).await);
    let reviews = app.product_reviews(&track).await;
    assert_eq!(
        data(&reviews)["product"]["reviews"]["nodes"][0]["verifiedPurchase"],
        false
    );
    // The purchase that stands still verifies its review.
    let reviews = app.product_reviews(&other_track).await;
    assert_eq!(
        data(&reviews)["product"]["reviews"]["nodes"][0]["verifiedPurchase"],
        true
    );
}
