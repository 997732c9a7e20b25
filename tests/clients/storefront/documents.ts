// A storefront's operations, as its developers write them for GraphQL Code
// Generator's client preset. `codegen.mjs` turns them into the trusted
// documents manifest the tests import.
import { graphql } from "./gql";

export const Shelves = graphql(`
  query Shelves {
    genres {
      name
      albumCount
    }
  }
`);

export const BestSellers = graphql(`
  query BestSellers($first: Int) {
    products(first: $first, sort: BEST_SELLING) {
      totalCount
      nodes {
        title
        price {
          formatted
        }
      }
    }
  }
`);

export const SignIn = graphql(`
  mutation SignIn($email: String!, $password: String!) {
    login(email: $email, password: $password) {
      accessToken
      refreshToken
    }
  }
`);

export const Me = graphql(`
  query Me {
    viewer {
      user {
        email
      }
    }
  }
`);

export const Playback = graphql(`
  subscription Playback {
    playback {
      positionMs
    }
  }
`);
