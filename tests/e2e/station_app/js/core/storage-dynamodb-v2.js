// The station's old storage script (DynamoDB and S3 straight from the browser) is NOT in this
// copy: the platform serves the page with this script tag replaced by its storage bundle. If
// this file runs, the swap did not happen: say so loudly.
document.documentElement.dataset.storageScript = 'not-swapped';
throw new Error('js/core/storage-dynamodb-v2.js was served as is: the platform must replace its script tag with the storage bundle');
