// The station's AWS settings, as its aws-config.js publishes them. The pages never read them
// (only the old storage script did); they stay so that the platform's bundle meets the same globals.
window.AWSConfig = {
  region: 'eu-west-3',
  userPoolId: 'eu-west-3_StationAppPool',
  clientId: '5jst6bnhl26ekdr5a7pu9ik2f5',
  identityPoolId: 'eu-west-3:station-app-identity-pool',
  tables: {
    news: 'saint-esprit-news', animations: 'saint-esprit-animations', blocks: 'saint-esprit-blocks',
    conductors: 'saint-esprit-conductors', journals: 'saint-esprit-journals', audio: 'saint-esprit-audio',
    habillage: 'saint-esprit-habillage', multitracks: 'saint-esprit-multitracks'
  }
};
