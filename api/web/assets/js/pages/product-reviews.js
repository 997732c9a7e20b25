// A product's reviews: newest first, a page at a time, and the form to
// write one (or replace one's own: the API keeps one review per product
// per person). Bodies are plain text and shown as text.

import { h, field, errorMessage, actionButton, note, toast, onSubmit, focusFirstOf } from '../dom.js';
import { gql } from '../api.js';
import { dateTime } from '../format.js';
import { currentUser } from '../session.js';

const PAGE_SIZE = 10;
const MAX_BODY = 5000;

const REVIEWS = `query Reviews($id: ID!, $first: Int, $after: String) {
  product(id: $id) {
    averageRating reviewCount
    reviews(first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes { id authorName rating body verifiedPurchase createdAt }
    }
  }
}`;

function stars(rating) {
  return h('span', { class: 'stars', role: 'img', 'aria-label': `${rating} of 5 stars` },
    '★'.repeat(rating) + '☆'.repeat(5 - rating));
}

function reviewItem(review) {
  return h('li', { class: 'review' },
    h('p', { class: 'review-head' },
      stars(review.rating), ' ',
      h('strong', {}, review.authorName),
      review.verifiedPurchase ? h('span', { class: 'tag' }, 'Verified purchase') : null,
      h('span', { class: 'meta' }, ` ${dateTime(review.createdAt)}`)),
    review.body ? h('p', { class: 'review-body' }, review.body) : null);
}

function reviewForm(product, onWritten) {
  const ratings = [5, 4, 3, 2, 1].map((n) => h('label', { class: 'rating-choice' },
    h('input', { type: 'radio', name: 'rating', value: String(n), required: true }),
    ` ${n} ★`));
  const body = h('textarea', { name: 'body', rows: 4, maxlength: MAX_BODY });
  const counter = h('small', { class: 'hint counter' }, `0 of ${MAX_BODY} characters`);
  body.addEventListener('input', () => { counter.textContent = `${body.value.length} of ${MAX_BODY} characters`; });
  const error = h('p', { class: 'error', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Post review');
  const form = h('form', { class: 'review-form', 'aria-labelledby': 'write-title', novalidate: true },
    h('h3', { id: 'write-title' }, 'Write a review'),
    h('p', { class: 'hint' }, 'One review per product: posting again replaces yours. Shown as plain text.'),
    h('fieldset', { class: 'rating' }, h('legend', {}, 'Rating'), ratings),
    field('Your review (optional)', body),
    counter, error, submit);
  return onSubmit(form, async () => {
    const chosen = form.querySelector('input[name="rating"]:checked');
    if (!chosen) {
      error.textContent = 'Choose a rating from 1 to 5 stars.';
      return;
    }
    await gql(`mutation Review($id: ID!, $rating: Int!, $body: String) {
      writeReview(productId: $id, rating: $rating, body: $body) { id }
    }`, { id: product.id, rating: Number(chosen.value), body: body.value.trim() || null });
    toast('Thank you: your review is posted.');
    form.reset();
    counter.textContent = `0 of ${MAX_BODY} characters`;
    await onWritten();
  }, { error, submit });
}

/** The reviews section of a product page; it loads its own list. */
export function reviewsSection(product, ctx) {
  const list = h('ul', { class: 'list reviews' });
  const summary = h('p', { class: 'meta' });
  const more = h('div', { class: 'toolbar' });
  const error = h('p', { class: 'error', role: 'alert' });

  const load = async (after) => {
    error.textContent = '';
    try {
      const data = await gql(REVIEWS, { id: product.id, first: PAGE_SIZE, after });
      if (ctx.signal.aborted || !data.product) return;
      const { reviews, averageRating, reviewCount } = data.product;
      if (!after) list.replaceChildren();
      const items = reviews.nodes.map(reviewItem);
      list.append(...items);
      if (after) focusFirstOf(items);
      summary.textContent = reviewCount
        ? `${averageRating?.toFixed(1) ?? '–'} of 5 stars from ${reviewCount} review${reviewCount === 1 ? '' : 's'}.`
        : 'No reviews yet.';
      more.replaceChildren();
      if (reviews.pageInfo.hasNextPage) {
        more.append(actionButton('Show more reviews', () => load(reviews.pageInfo.endCursor)));
      }
    } catch (err) {
      error.textContent = errorMessage(err);
    }
  };
  load(null);

  const back = encodeURIComponent(`#/product/${product.id}`);
  return h('section', { class: 'card', 'aria-labelledby': 'reviews-title' },
    h('h2', { id: 'reviews-title' }, 'Reviews'),
    summary, list, error, more,
    currentUser()
      ? reviewForm(product, () => load(null))
      : note('Sign in to write a review.'),
    currentUser() ? null : h('a', { href: `#/signin?next=${back}` }, 'Sign in'));
}
