// Sign in and sign up.

import { h, field, heading, onSubmit } from '../dom.js';
import { signIn as startSession, signUp as register } from '../session.js';

function form(title, fields, submitLabel, action, footer) {
  const error = h('p', { class: 'error', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'primary' }, submitLabel);
  const element = h('form', { class: 'card narrow', novalidate: true }, heading(title), fields, error, submit, footer);
  return onSubmit(element, action, { error, submit });
}

function next(ctx) {
  const target = ctx.query.get('next');
  // Only a page of this app: never an address elsewhere.
  return target && target.startsWith('#/') && !target.startsWith('#/sign') ? target : '#/locker';
}

export function signIn(ctx) {
  const email = h('input', { type: 'email', name: 'email', autocomplete: 'username', required: true });
  const password = h('input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true });
  // After `deleteAccount` the privacy page sends the person here.
  const deleted = ctx.query.get('deleted')
    ? h('p', { class: 'ok', role: 'status' }, 'Your account has been deleted, and you are signed out everywhere.')
    : null;
  return form(
    'Sign in',
    [deleted, field('Email', email), field('Password', password)],
    'Sign in',
    async () => {
      await startSession(email.value.trim(), password.value);
      ctx.navigate(next(ctx));
    },
    h('p', {}, 'New here? ', h('a', { href: '#/signup' }, 'Create an account')),
  );
}

export function signUp(ctx) {
  const name = h('input', { type: 'text', name: 'displayName', autocomplete: 'nickname', required: true });
  const email = h('input', { type: 'email', name: 'email', autocomplete: 'username', required: true });
  const password = h('input', {
    type: 'password', name: 'password', autocomplete: 'new-password', required: true, minlength: 10,
  });
  return form(
    'Create your account',
    [
      field('Display name', name),
      field('Email', email),
      field('Password', password, 'At least 10 characters.'),
    ],
    'Sign up',
    async () => {
      await register(email.value.trim(), password.value, name.value.trim());
      ctx.navigate('#/locker');
    },
    h('p', {}, 'Already have an account? ', h('a', { href: '#/signin' }, 'Sign in')),
  );
}
